"""Asking for a sync run: the seam ingestion, retries, the connect callback and the API call.

A run row is written first, in the caller's transaction; its first slice job is enqueued only
after that transaction commits (``jobs.after_commit``). A lost enqueue costs nothing: the
sweeper enqueues every active run whose next slice is due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.base import new_id, utcnow
from xero_connector.db.models import SyncRun
from xero_connector.db.repos import record_sync, sync_runs
from xero_connector.jobs import ids
from xero_connector.jobs.after_commit import jobs_of

Trigger = Literal["connect", "ingest", "schedule", "manual", "retry"]
TRIGGERS: tuple[Trigger, ...] = ("connect", "ingest", "schedule", "manual", "retry")


@dataclass(frozen=True)
class SyncRequest:
    """The run that will do the work, and whether this request created it."""

    run: SyncRun
    created: bool


async def request_sync(
    session: AsyncSession,
    connection_id: str,
    trigger: Trigger,
    *,
    delay_seconds: float = 0.0,
    now: datetime | None = None,
) -> SyncRequest:
    """The connection's active run, or a new queued one starting ``delay_seconds`` from now.

    Records that become pending while a run is active are taken by that run as it goes
    (it streams whatever is pending until nothing is), so one active run per connection is
    enough; joining it is a write that its last slice waits for before its final count, so
    records added as it ends are either counted by it (and a follow-up run takes them) or get
    a new run here. ``delay_seconds`` is the debounce after ingestion. A new run's counts start with
    the records waiting, so a queued run already shows how much it has to do.
    """
    if trigger not in TRIGGERS:
        raise ValueError(f"unknown sync trigger {trigger!r}")
    now = now or utcnow()
    active = await sync_runs.active_run(session, connection_id)
    if active is not None:
        if await sync_runs.join_run(session, active.id, now=now):
            return SyncRequest(active, created=False)
        active = None  # it ended while we looked: a new run takes what was added
    waiting = await record_sync.waiting_counts(session, connection_id)
    not_before = now + timedelta(seconds=delay_seconds) if delay_seconds > 0 else None
    run = SyncRun(
        id=new_id(),
        connection_id=connection_id,
        trigger=trigger,
        status="queued",
        phase="contact",
        counts={kind: {"pending": n} for kind, n in waiting.items()},
        done=0,
        step=0,
        blocked_released=False,
        not_before=not_before,
        created_at=now,
        updated_at=now,
    )
    if not await sync_runs.insert_run(session, run):
        raced = await sync_runs.active_run(session, connection_id)
        if raced is None:  # it finished meanwhile: ask again
            return await request_sync(
                session, connection_id, trigger, delay_seconds=delay_seconds, now=now
            )
        return SyncRequest(raced, created=False)
    jobs = jobs_of(session)
    if jobs is not None:
        jobs.add(ids.SYNC_RUN, run.id, 0, job_id=ids.sync_job_id(run.id, 0), defer_until=not_before)
    return SyncRequest(run, created=True)
