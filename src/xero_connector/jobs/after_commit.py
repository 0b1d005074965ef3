"""Enqueue jobs only after the transaction that made them due has committed.

A job enqueued before its commit can run before the row exists (and find nothing), or run for a
transaction that then rolls back. ``AfterCommitJobs`` collects jobs while a transaction is open,
keeps them only if that transaction commits (a rollback discards them), and enqueues them on
``flush()``, which the composition root awaits after ``commit()``. A failed enqueue is logged and
not raised: the row is already committed, and the sweeper enqueues it from the database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from xero_connector.jobs.dispatch import Dispatcher, JobArg
from xero_connector.logs import get_logger

log = get_logger(__name__)

SESSION_KEY = "after_commit_jobs"
"""Where a request's session keeps its ``AfterCommitJobs`` (``session.info``)."""


@dataclass(frozen=True)
class PendingJob:
    job: str
    args: tuple[JobArg, ...]
    job_id: str
    defer_until: datetime | None = None


def jobs_of(session: AsyncSession) -> AfterCommitJobs | None:
    """The ``AfterCommitJobs`` a composition root attached to ``session`` (None if none)."""
    jobs = session.info.get(SESSION_KEY)
    return jobs if isinstance(jobs, AfterCommitJobs) else None


def attach(session: AsyncSession, jobs: AfterCommitJobs | None) -> None:
    """Make ``jobs`` what :func:`jobs_of` finds on ``session``."""
    session.info[SESSION_KEY] = jobs


class AfterCommitJobs:
    """Jobs waiting for ``session``'s transaction to commit. Usage::

    jobs = AfterCommitJobs(session, dispatcher)
    jobs.add(REVOKE_GRANT, grant.id, job_id=revoke_job_id(grant.id, due))
    await session.commit()
    await jobs.flush()
    """

    def __init__(self, session: AsyncSession, dispatcher: Dispatcher) -> None:
        self._dispatcher = dispatcher
        self._pending: list[PendingJob] = []
        self._committed: list[PendingJob] = []
        self._sync_session = session.sync_session
        event.listen(self._sync_session, "after_commit", self._on_commit)
        event.listen(self._sync_session, "after_rollback", self._on_rollback)

    def add(
        self, job: str, *args: JobArg, job_id: str, defer_until: datetime | None = None
    ) -> None:
        self._pending.append(PendingJob(job, args, job_id, defer_until))

    def _on_commit(self, _session: Session) -> None:
        self._committed.extend(self._pending)
        self._pending.clear()

    def _on_rollback(self, _session: Session) -> None:
        self._pending.clear()

    async def flush(self) -> int:
        """Enqueue every committed job; returns how many were newly enqueued."""
        jobs, self._committed = self._committed, []
        enqueued = 0
        for pending in jobs:
            try:
                if await self._dispatcher.enqueue(
                    pending.job,
                    *pending.args,
                    job_id=pending.job_id,
                    defer_until=pending.defer_until,
                ):
                    enqueued += 1
            except Exception:
                log.exception("job_enqueue_failed", job_id=pending.job_id, retried_by="sweeper")
        return enqueued

    def close(self) -> None:
        event.remove(self._sync_session, "after_commit", self._on_commit)
        event.remove(self._sync_session, "after_rollback", self._on_rollback)

    def __enter__(self) -> AfterCommitJobs:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


@asynccontextmanager
async def enqueue_after_commit(
    session: AsyncSession, dispatcher: Dispatcher | None
) -> AsyncIterator[AfterCommitJobs | None]:
    """Attach ``AfterCommitJobs`` to ``session`` (none without a dispatcher) and enqueue what
    its commits kept when the block ends. Wrap the block that commits, so the flush comes after::

        async with enqueue_after_commit(session, dispatcher), committing(session):
            ...
    """
    jobs = AfterCommitJobs(session, dispatcher) if dispatcher is not None else None
    attach(session, jobs)
    try:
        yield jobs
    finally:
        if jobs is not None:
            # Only what a commit kept: on a rollback that is what earlier commits made due.
            await jobs.flush()
            jobs.close()
