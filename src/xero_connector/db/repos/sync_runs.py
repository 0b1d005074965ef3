"""SQL of sync runs: the one active run per connection, slice leases, history, the sweeper's picks.

Every state change made by a slice job is a compare-and-set on the run's ``step`` (and, for the
lease, on ``lease_until`` having passed), so a stale or duplicated job changes nothing. Plain
``UPDATE ... WHERE`` statements: the same on Postgres and SQLite, no row locks needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.models import ACTIVE_RUN_STATUSES, SyncRun

FINAL_RUN_STATUSES = ("succeeded", "partial", "failed")


async def get_run(session: AsyncSession, run_id: str) -> SyncRun | None:
    """The run as the database has it now (never a stale identity-map copy)."""
    result = await session.execute(
        select(SyncRun).where(SyncRun.id == run_id).execution_options(populate_existing=True)
    )
    return result.scalar_one_or_none()


async def active_run(session: AsyncSession, connection_id: str) -> SyncRun | None:
    """The connection's queued, running or waiting run, if any."""
    result = await session.execute(
        select(SyncRun)
        .where(SyncRun.connection_id == connection_id, SyncRun.status.in_(ACTIVE_RUN_STATUSES))
        .execution_options(populate_existing=True)
    )
    return result.scalar_one_or_none()


async def insert_run(session: AsyncSession, run: SyncRun) -> bool:
    """Insert ``run`` in a savepoint; False when the connection already has an active run."""
    try:
        async with session.begin_nested():
            session.add(run)
            await session.flush()
    except IntegrityError:
        return False
    return True


async def list_runs(
    session: AsyncSession,
    connection_id: str,
    *,
    before: tuple[datetime, str] | None,
    limit: int,
) -> Sequence[SyncRun]:
    """Up to ``limit`` runs of a connection, newest first, older than ``(created_at, id)``."""
    query = (
        select(SyncRun)
        .where(SyncRun.connection_id == connection_id)
        .order_by(SyncRun.created_at.desc(), SyncRun.id.desc())
        .limit(limit)
    )
    if before is not None:
        created_at, run_id = before
        query = query.where(
            or_(
                SyncRun.created_at < created_at,
                and_(SyncRun.created_at == created_at, SyncRun.id < run_id),
            )
        )
    return (await session.execute(query)).scalars().all()


async def latest_runs(session: AsyncSession, connection_ids: Sequence[str]) -> dict[str, SyncRun]:
    """The newest run of each of ``connection_ids`` that has one."""
    if not connection_ids:
        return {}
    ranked = (
        select(
            SyncRun.id,
            func.row_number()
            .over(
                partition_by=SyncRun.connection_id,
                order_by=(SyncRun.created_at.desc(), SyncRun.id.desc()),
            )
            .label("rank"),
        )
        .where(SyncRun.connection_id.in_(list(connection_ids)))
        .subquery()
    )
    query = select(SyncRun).join(ranked, ranked.c.id == SyncRun.id).where(ranked.c.rank == 1)
    return {run.connection_id: run for run in (await session.execute(query)).scalars()}


async def take_lease(
    session: AsyncSession, run_id: str, step: int, *, now: datetime, until: datetime
) -> bool:
    """Become the one slice advancing the run at ``step``; False if stale or another holds it."""
    result = await session.execute(
        update(SyncRun)
        .where(
            SyncRun.id == run_id,
            SyncRun.step == step,
            SyncRun.status.in_(ACTIVE_RUN_STATUSES),
            or_(SyncRun.lease_until.is_(None), SyncRun.lease_until < now),
        )
        .values(lease_until=until)
        .execution_options(synchronize_session=False)
    )
    return _changed(result)


async def join_run(session: AsyncSession, run_id: str, *, now: datetime) -> bool:
    """Join the still active run ``run_id`` (work was added for it); False if it has ended.

    The update holds the row until the caller commits, and the run's last slice takes the same
    row (``lock_for_finish``) before it counts what is waiting, so either the last slice sees
    the joining work or the joiner sees the run ended and asks for a new one.
    """
    result = await session.execute(
        update(SyncRun)
        .where(SyncRun.id == run_id, SyncRun.status.in_(ACTIVE_RUN_STATUSES))
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return _changed(result)


async def lock_for_finish(session: AsyncSession, run_id: str, step: int, *, now: datetime) -> bool:
    """Hold the run's row (after any joiner's commit) before its final count; see ``join_run``."""
    return await save_slice(session, run_id, step, now=now)


async def save_slice(
    session: AsyncSession, run_id: str, at_step: int, *, now: datetime, **values: Any
) -> bool:
    """Write what the slice holding the lease at ``at_step`` learnt (status, phase, counts...)."""
    result = await session.execute(
        update(SyncRun)
        .where(SyncRun.id == run_id, SyncRun.step == at_step)
        .values(**values, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return _changed(result)


async def advance(
    session: AsyncSession, run_id: str, step: int, *, now: datetime, not_before: datetime | None
) -> bool:
    """End slice ``step``: the next slice is ``step + 1``, not before ``not_before``."""
    return await save_slice(
        session, run_id, step, now=now, step=step + 1, lease_until=None, not_before=not_before
    )


async def due_runs(
    session: AsyncSession, *, now: datetime, limit: int
) -> Sequence[tuple[str, int, datetime | None]]:
    """Active runs whose next slice may start and that no live slice holds: (id, step, not_before).

    The sweeper enqueues these; the job id names the step, so one already queued is not doubled.
    """
    query = (
        select(SyncRun.id, SyncRun.step, SyncRun.not_before)
        .where(
            SyncRun.status.in_(ACTIVE_RUN_STATUSES),
            or_(SyncRun.not_before.is_(None), SyncRun.not_before <= now),
            or_(SyncRun.lease_until.is_(None), SyncRun.lease_until < now),
        )
        .order_by(SyncRun.created_at)
        .limit(limit)
    )
    return [(row.id, row.step, row.not_before) for row in await session.execute(query)]


def _changed(result: Any) -> bool:
    return bool(result.rowcount)
