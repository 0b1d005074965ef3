"""One slice of a sync run: a short job that advances the run and enqueues the next slice.

A slice takes the run's lease (a compare-and-set on ``step`` and an expired ``lease_until``),
so exactly one slice advances a run at a time, whatever duplicates the queue holds. Then:

1. batches a dead slice left ``sending`` become ``uncertain``; every uncertain batch of the
   connection is reconciled (``sync.reconcile``) before anything new is sent;
2. the phases in order: contacts, then invoices, then bank transactions (which reference the
   contacts' Xero ids). In each, up to ``concurrency`` workers claim a page of pending records,
   write the batch rows, commit, send, and settle the answer (``sync.batches``). A phase ends
   when nothing of its kind is pending and none of its batches is in flight;
3. the slice stops at its time budget, when the limiter would make it wait (it defers rather
   than sleeping in a worker slot), when an answer was lost (the next slice reconciles first),
   at Xero's daily limit (the run waits), or when the connection cannot be used (the run fails).

The run's state is in its row; the next slice is enqueued after the row says so. A slice the
database drops out of waits for it to come back, releases its lease and raises a transient error,
so the job seam retries it within seconds instead of leaving the run until the lease expires.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from xero_connector import metrics
from xero_connector.db.base import utcnow
from xero_connector.db.models import Connection, SyncRun
from xero_connector.db.outage import is_database_outage
from xero_connector.db.repos import connections as connection_repo
from xero_connector.db.repos import sync_batches, sync_runs
from xero_connector.errors import TransientError
from xero_connector.jobs import ids
from xero_connector.jobs.dispatch import Dispatcher
from xero_connector.logs import get_logger
from xero_connector.sync import progress
from xero_connector.sync.batches import Tally
from xero_connector.sync.port import RunStopped, SyncStop, TenantPort, XeroPort
from xero_connector.sync.pusher import Pusher, Stop
from xero_connector.sync.reconcile import find_evidence, settle_lost
from xero_connector.sync.requests import request_sync
from xero_connector.sync.translation import Translations

log = get_logger(__name__)

PHASES = ("contact", "invoice", "bank_transaction", "done")


@dataclass
class SyncEngine:
    """Advances sync runs; one per process, built at the composition root (plain values)."""

    session_factory: async_sessionmaker[AsyncSession]
    port: XeroPort
    translations: Translations
    dispatcher: Dispatcher
    batch_size: int = 50
    concurrency: int = 5
    slice_seconds: float = 20.0
    xero_timeout_seconds: float = 30.0
    max_limiter_wait: float = 2.0
    clock: Callable[[], datetime] = utcnow

    @property
    def lease(self) -> timedelta:
        # Longer than any slice can run: its budget plus a call started at the very end
        # (and the settings pull before it), so a live slice never loses its lease.
        return timedelta(seconds=self.slice_seconds + 3 * self.xero_timeout_seconds + 5)

    async def run_slice(self, run_id: str, step: int) -> str:
        """Advance ``run_id`` if slice ``step`` is its current one; what happened, for logs."""
        now = self.clock()
        async with self.session_factory() as session:
            taken = await sync_runs.take_lease(
                session, run_id, step, now=now, until=now + self.lease
            )
            await session.commit()
        if not taken:
            return "not current"
        try:
            return await self._advance(run_id, step)
        except BaseException as exc:
            if not is_database_outage(exc):
                await self._release_lease(run_id, step)  # let the sweeper pick it up again
                raise
            # The database went away mid-slice: wait for it to release the lease, then have the
            # job seam retry this slice soon, rather than leave the run until the lease expires.
            if not await self._release_lease_when_back(run_id, step):
                raise
            raise TransientError("the database was unavailable", retry_after=1.0) from exc

    async def _release_lease(self, run_id: str, step: int) -> None:
        async with self.session_factory() as session:
            await sync_runs.save_slice(session, run_id, step, now=self.clock(), lease_until=None)
            await session.commit()

    async def _release_lease_when_back(self, run_id: str, step: int) -> bool:
        """Release the lease, retrying while the database is out; False once ``lease`` passed
        (the lease has expired by then, and the sweeper takes the run up anyway)."""
        delay, deadline = 0.5, time.monotonic() + self.lease.total_seconds()
        while True:
            try:
                await self._release_lease(run_id, step)
                return True
            except Exception as exc:
                if not is_database_outage(exc) or time.monotonic() + delay > deadline:
                    return False
            log.info("sync_slice_waiting_for_database", run_id=run_id, step=step)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def _advance(self, run_id: str, step: int) -> str:
        now = self.clock()
        async with self.session_factory() as session:
            run = await sync_runs.get_run(session, run_id)
            assert run is not None
            connection = await connection_repo.get_connection(session, run.connection_id)
            assert connection is not None
            if run.not_before is not None and run.not_before > now:
                await sync_runs.save_slice(session, run_id, step, now=now, lease_until=None)
                await session.commit()
                return "early"
            if connection.status != "active":
                reason = f"the connection is {connection.status}"
                await self._finish(session, run, step, "failed", reason, Tally())
                return "failed"
            await progress.start(session, run, connection, step, now=now)
        tally = Tally()
        stop: Stop | None = None
        phase = run.phase
        try:
            await self.translations.ensure_fresh_settings(connection.id)
            tenant = self.port.tenant(connection.id, connection.grant_id, connection.tenant_id)
            resend = await self._reconcile(tenant, connection.id, tally)
            pusher = Pusher(self, run, connection, tenant, tally)
            while phase != "done" and pusher.stop is None:
                if not await pusher.push_phase(phase):
                    break
                phase = PHASES[PHASES.index(phase) + 1]
            stop = pusher.stop
            if resend and stop is None and phase == "done":
                phase = PHASES[0]  # records a reconcile made pending again: one more pass
        except SyncStop as exc:
            stop = Stop.of(exc)
        return await self._end_slice(run, connection, step, phase, stop, tally)

    async def _reconcile(self, tenant: TenantPort, connection_id: str, tally: Tally) -> int:
        """Settle every uncertain batch (orphaned ``sending`` ones first); records to resend."""
        now = self.clock()
        async with self.session_factory() as session:
            for batch in await sync_batches.batches_in(
                session, connection_id, "sending", limit=1000
            ):
                await progress.orphaned(session, batch, now=now)
            await session.commit()
        resend = 0
        while True:
            async with self.session_factory() as session:
                batches = await sync_batches.batches_in(
                    session, connection_id, "uncertain", limit=20
                )
            if not batches:
                return resend
            for batch in batches:
                evidence = await find_evidence(tenant, batch)
                async with self.session_factory() as session:
                    settled, again = await settle_lost(session, batch, evidence, now=self.clock())
                    await session.commit()
                tally.merge(settled)
                resend += again

    async def _end_slice(
        self,
        run: SyncRun,
        connection: Connection,
        step: int,
        phase: str,
        stop: Stop | None,
        tally: Tally,
    ) -> str:
        now = self.clock()
        async with self.session_factory() as session:
            if stop is not None and stop.fail is not None:
                await self._finish(session, run, step, "failed", stop.fail, tally)
                return "failed"
            if stop is None and phase == "done":
                uncertain = await sync_batches.batches_in(
                    session, run.connection_id, "uncertain", limit=1
                )
                if not uncertain:
                    await self._finish(session, run, step, None, None, tally, phase=phase)
                    return "finished"
            not_before = stop.not_before(now) if stop is not None else None
            waiting = stop is not None and stop.until is not None
            await progress.save(
                session,
                run,
                step,
                tally,
                now=now,
                phase=phase,
                status="waiting" if waiting else "running",
                error=stop.reason if waiting and stop is not None else None,
            )
            await sync_runs.advance(session, run.id, step, now=now, not_before=not_before)
            await session.commit()
        await self._enqueue(run.id, step + 1, not_before)
        return "waiting" if waiting else "continues"

    async def _finish(
        self,
        session: AsyncSession,
        run: SyncRun,
        step: int,
        status: str | None,
        error: str | None,
        tally: Tally,
        *,
        phase: str | None = None,
    ) -> None:
        waiting = await progress.finish(
            session, run, step, tally, status=status, error=error, now=self.clock(), phase=phase
        )
        follow_up = None
        if waiting and status is None:  # records arrived after their phase: run again now
            requested = await request_sync(session, run.connection_id, "schedule")
            follow_up = requested.run.id if requested.created else None
        await session.commit()
        if run.finished_at is not None:
            began = run.started_at or run.created_at
            metrics.sync_run_finished(run.status, (run.finished_at - began).total_seconds())
        log.info("sync_run_finished", run_id=run.id, status=run.status)
        if follow_up is not None:
            await self._enqueue(follow_up, 0, None)

    async def _enqueue(self, run_id: str, step: int, not_before: datetime | None) -> None:
        try:
            await self.dispatcher.enqueue(
                ids.SYNC_RUN,
                run_id,
                step,
                job_id=ids.sync_job_id(run_id, step),
                defer_until=not_before,
            )
        except Exception:  # the row says it is due: the sweeper enqueues it
            log.exception("sync_slice_enqueue_failed", run_id=run_id, step=step)


__all__ = ["PHASES", "RunStopped", "SyncEngine"]
