"""SQL of ``mappings``: a connection's ``(kind, source_key) -> target`` set."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.settings_models import Mapping


async def list_mappings(session: AsyncSession, connection_id: str) -> Sequence[Mapping]:
    """The connection's mappings, by kind then source key."""
    query = (
        select(Mapping)
        .where(Mapping.connection_id == connection_id)
        .order_by(Mapping.kind, Mapping.source_key)
    )
    return (await session.scalars(query)).all()


async def save_mappings(
    session: AsyncSession, *, added: Sequence[Mapping], removed: Sequence[Mapping]
) -> None:
    """Insert ``added``, delete ``removed`` (changed rows are flushed with them)."""
    for row in removed:
        await session.delete(row)
    # Deletes first: a key removed and added again in one PUT must not collide on the unique key.
    await session.flush()
    session.add_all(added)
    await session.flush()
