"""SQL of sync batches: written before they are sent, then settled, lost or released."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.models import SyncBatch


async def add_batch(session: AsyncSession, batch: SyncBatch) -> None:
    session.add(batch)
    await session.flush()


async def set_status(
    session: AsyncSession,
    batch_id: str,
    status: str,
    *,
    now: datetime,
    expected: Sequence[str] = ("sending",),
    error: str | None = None,
) -> bool:
    """Move a batch on from one of ``expected`` (False when something else moved it first)."""
    result = await session.execute(
        update(SyncBatch)
        .where(SyncBatch.id == batch_id, SyncBatch.status.in_(list(expected)))
        .values(status=status, error=error, finished_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def batches_in(
    session: AsyncSession, connection_id: str, status: str, *, limit: int
) -> list[SyncBatch]:
    """The connection's batches in ``status``, oldest first."""
    result = await session.execute(
        select(SyncBatch)
        .where(SyncBatch.connection_id == connection_id, SyncBatch.status == status)
        .order_by(SyncBatch.created_at, SyncBatch.id)
        .limit(limit)
        .execution_options(populate_existing=True)
    )
    return list(result.scalars())


async def orphans_to_uncertain(session: AsyncSession, connection_id: str, *, now: datetime) -> int:
    """Batches left ``sending`` by a slice that died: their answer is lost, so ``uncertain``."""
    result = await session.execute(
        update(SyncBatch)
        .where(SyncBatch.connection_id == connection_id, SyncBatch.status == "sending")
        .values(status="uncertain", error="the worker stopped while sending")
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
