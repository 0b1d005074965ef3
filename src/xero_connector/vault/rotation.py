"""Key rotation: re-wrap every data key that is not under the active key-encryption key.

Procedure (docs/vault.md): put the new key first in ``XERO_CONNECTOR_KEYS`` and keep the old one
after it, restart every process, run ``keys rotate``, check ``keys status``, then drop the old key.

Online: each batch is one short transaction (select, re-wrap, compare-and-set, commit), so
refreshes and callbacks keep running; a row re-sealed by them meanwhile is left alone.
Resumable: only rows not yet under the active key are selected, so a re-run after an interruption
continues where the last committed batch ended. Token ciphertext is never read or written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from xero_connector.db.repos import envelopes
from xero_connector.db.repos.envelopes import ENVELOPE_TABLES, WrappedKeyRow
from xero_connector.vault.envelope import Vault
from xero_connector.vault.errors import UnknownKeyError, VaultError

_MAX_FAILURES_KEPT = 100


@dataclass
class TableCounts:
    """Per table: re-wrapped, left alone because the row changed meanwhile, failed."""

    rewrapped: int = 0
    changed: int = 0
    failed: int = 0


@dataclass(frozen=True)
class RotationFailure:
    """A row whose data key could not be re-wrapped; ``reason`` holds no secret."""

    table: str
    row_id: str
    kek_id: str
    reason: str


@dataclass
class RotationReport:
    """What one ``rotate_keys`` run did. ``failures`` keeps the first 100 of them."""

    active_kek_id: str
    tables: dict[str, TableCounts] = field(
        default_factory=lambda: {name: TableCounts() for name in ENVELOPE_TABLES}
    )
    failures: list[RotationFailure] = field(default_factory=list)
    unknown_kek_ids: set[str] = field(default_factory=set)

    @property
    def rewrapped(self) -> int:
        return sum(counts.rewrapped for counts in self.tables.values())

    @property
    def changed(self) -> int:
        return sum(counts.changed for counts in self.tables.values())

    @property
    def failed(self) -> int:
        return sum(counts.failed for counts in self.tables.values())

    @property
    def complete(self) -> bool:
        """True when no row failed (rows changed meanwhile were re-sealed under the active key)."""
        return self.failed == 0


ProgressCallback = Callable[[str, RotationReport], None]


async def rotate_keys(
    session_factory: async_sessionmaker[AsyncSession],
    vault: Vault,
    *,
    batch_size: int = 200,
    on_batch: ProgressCallback | None = None,
) -> RotationReport:
    """Re-wrap every data key in ``xero_grants`` and ``oauth_states`` not under the active key.

    ``on_batch(table, report)`` is called after each committed batch (progress output; an
    exception from it stops the run after that commit, and a re-run continues from there).
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    active = vault.active_kek_id
    report = RotationReport(active_kek_id=active)
    for table in ENVELOPE_TABLES:
        after_id: str | None = None
        while True:
            async with session_factory() as session, session.begin():
                rows = await envelopes.rows_not_under(
                    session, table, active, after_id=after_id, limit=batch_size
                )
                if not rows:
                    break
                # Off the event loop: a KMS-backed provider makes a network call per key.
                results = await asyncio.to_thread(_rewrap_all, vault, rows)
                for row, result in zip(rows, results, strict=True):
                    await _apply(session, table, row, result, report)
            after_id = rows[-1].row_id
            if on_batch is not None:
                on_batch(table, report)
    return report


def _rewrap_all(
    vault: Vault, rows: Sequence[WrappedKeyRow]
) -> list[tuple[bytes, str] | VaultError]:
    results: list[tuple[bytes, str] | VaultError] = []
    for row in rows:
        try:
            results.append(vault.rewrap(row.data_key_wrapped, row.kek_id, row_id=row.row_id))
        except VaultError as error:
            results.append(error)
    return results


async def _apply(
    session: AsyncSession,
    table: str,
    row: WrappedKeyRow,
    result: tuple[bytes, str] | VaultError,
    report: RotationReport,
) -> None:
    counts = report.tables[table]
    if isinstance(result, VaultError):
        counts.failed += 1
        if isinstance(result, UnknownKeyError):
            report.unknown_kek_ids.add(result.kek_id)
        if len(report.failures) < _MAX_FAILURES_KEPT:
            report.failures.append(RotationFailure(table, row.row_id, row.kek_id, result.detail))
        return
    wrapped, kek_id = result
    replaced = await envelopes.replace_wrapped_key(
        session, table, row, data_key_wrapped=wrapped, kek_id=kek_id
    )
    if replaced:
        counts.rewrapped += 1
    else:
        counts.changed += 1


async def key_status(
    session_factory: async_sessionmaker[AsyncSession],
) -> dict[str, dict[str, int]]:
    """Rows per table per key-encryption key id (shredded grants not counted)."""
    async with session_factory() as session:
        return {table: await envelopes.count_by_kek_id(session, table) for table in ENVELOPE_TABLES}
