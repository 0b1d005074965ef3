"""SQL over the columns that hold vault envelopes, for key rotation and key status.

Rows are addressed by table name (``xero_grants``, ``oauth_states``); each has a wrapped data key
and the id of the key-encryption key that wrapped it. Crypto-shredded grants (NULL data key) are
never selected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.models import OAuthState, XeroGrant

ENVELOPE_TABLES: dict[str, Table] = {
    "xero_grants": XeroGrant.__table__,  # type: ignore[dict-item]
    "oauth_states": OAuthState.__table__,  # type: ignore[dict-item]
}


@dataclass(frozen=True)
class WrappedKeyRow:
    """One row's wrapped data key and the id of the key that wrapped it."""

    row_id: str
    data_key_wrapped: bytes
    kek_id: str

    def __repr__(self) -> str:
        return f"WrappedKeyRow(row_id={self.row_id!r}, kek_id={self.kek_id!r})"


async def rows_not_under(
    session: AsyncSession, table: str, kek_id: str, *, after_id: str | None, limit: int
) -> Sequence[WrappedKeyRow]:
    """Up to ``limit`` rows of ``table`` whose data key is wrapped by another key than ``kek_id``.

    Ordered by id and starting after ``after_id`` (keyset pagination), so a pass visits each row
    once even when some of them cannot be re-wrapped.
    """
    t = ENVELOPE_TABLES[table]
    query = (
        select(t.c.id, t.c.data_key_wrapped, t.c.kek_id)
        .where(t.c.data_key_wrapped.is_not(None), t.c.kek_id != kek_id)
        .order_by(t.c.id)
        .limit(limit)
    )
    if after_id is not None:
        query = query.where(t.c.id > after_id)
    result = await session.execute(query)
    return [WrappedKeyRow(row.id, row.data_key_wrapped, row.kek_id) for row in result]


async def replace_wrapped_key(
    session: AsyncSession, table: str, old: WrappedKeyRow, *, data_key_wrapped: bytes, kek_id: str
) -> bool:
    """Swap in a re-wrapped data key, only if the row still holds ``old`` (compare-and-set).

    False means the row changed meanwhile (re-sealed by a refresh, shredded, rotated by another
    run) and was left alone: its new envelope is not ours to overwrite.
    """
    t = ENVELOPE_TABLES[table]
    result = await session.execute(
        update(t)
        .where(
            t.c.id == old.row_id,
            t.c.kek_id == old.kek_id,
            t.c.data_key_wrapped == old.data_key_wrapped,
        )
        .values(data_key_wrapped=data_key_wrapped, kek_id=kek_id)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def count_by_kek_id(session: AsyncSession, table: str) -> dict[str, int]:
    """How many rows of ``table`` hold a data key wrapped by each key id."""
    t = ENVELOPE_TABLES[table]
    result = await session.execute(
        select(t.c.kek_id, func.count())
        .where(t.c.data_key_wrapped.is_not(None))
        .group_by(t.c.kek_id)
        .order_by(t.c.kek_id)
    )
    return {str(kek_id): int(count) for kek_id, count in result.all()}
