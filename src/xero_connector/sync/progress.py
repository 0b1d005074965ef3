"""The run row as a slice moves it: started, progress saved, waiting, finished.

Only the slice holding the run's lease writes these (guarded by ``step``), so the counters are
read, added to and written back without racing anyone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.models import Connection, SyncBatch, SyncRun
from xero_connector.db.repos import record_sync, sync_batches, sync_runs
from xero_connector.sync.batches import Tally

KINDS = ("contact", "invoice", "bank_transaction")


async def start(
    session: AsyncSession, run: SyncRun, connection: Connection, step: int, *, now: datetime
) -> None:
    """The run is running; on its first slice, blocked records are released to be re-evaluated."""
    values: dict[str, Any] = {"status": "running", "error": None}
    if run.started_at is None:
        values["started_at"] = run.started_at = now
    if not run.blocked_released:
        await record_sync.release_blocked(session, connection.id, now=now)
        values["blocked_released"] = run.blocked_released = True
    if connection.rate_limited_until is not None and connection.rate_limited_until <= now:
        connection.rate_limited_until = None
    await sync_runs.save_slice(session, run.id, step, now=now, **values)
    run.status = "running"
    await session.commit()


async def orphaned(session: AsyncSession, batch: SyncBatch, *, now: datetime) -> None:
    """A batch a dead slice left ``sending``: it may have reached Xero, so it is uncertain."""
    if await sync_batches.set_status(
        session, batch.id, "uncertain", now=now, error="the worker stopped while sending"
    ):
        await record_sync.mark_uncertain(session, batch.id, now=now)


async def _counts(session: AsyncSession, run: SyncRun, tally: Tally) -> dict[str, Any]:
    counts: dict[str, dict[str, int]] = {
        kind: dict((run.counts or {}).get(kind, {})) for kind in KINDS
    }
    for (kind, outcome), n in tally.counts.items():
        counts[kind][outcome] = counts[kind].get(outcome, 0) + n
    waiting = await record_sync.waiting_counts(session, run.connection_id)
    for kind in KINDS:
        counts[kind]["pending"] = waiting.get(kind, 0)
    return counts


async def save(
    session: AsyncSession,
    run: SyncRun,
    step: int,
    tally: Tally,
    *,
    now: datetime,
    phase: str,
    status: str,
    error: str | None,
) -> None:
    counts = await _counts(session, run, tally)
    await sync_runs.save_slice(
        session,
        run.id,
        step,
        now=now,
        counts=counts,
        done=run.done + tally.done,
        phase=phase,
        status=status,
        error=error,
    )


async def finish(
    session: AsyncSession,
    run: SyncRun,
    step: int,
    tally: Tally,
    *,
    status: str | None,
    error: str | None,
    now: datetime,
    phase: str | None,
) -> int:
    """Final: ``status`` as given (failed), else succeeded, or partial when records of this run
    failed or stayed blocked (also set on ``run`` once written). Returns how many records are
    waiting still (ingested meanwhile)."""
    await sync_runs.lock_for_finish(session, run.id, step, now=now)
    counts = await _counts(session, run, tally)
    if status is None:
        unsettled = sum(counts[k].get("failed", 0) + counts[k].get("blocked", 0) for k in KINDS)
        status = "partial" if unsettled else "succeeded"
    if await sync_runs.save_slice(
        session,
        run.id,
        step,
        now=now,
        counts=counts,
        done=run.done + tally.done,
        phase=phase or run.phase,
        status=status,
        error=error,
        finished_at=now,
        lease_until=None,
        not_before=None,
        step=step + 1,
    ):
        run.status, run.finished_at = status, now
    return sum(counts[kind].get("pending", 0) for kind in KINDS)
