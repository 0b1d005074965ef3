"""The workers of one phase of a slice: claim a page, write the batch, send it, settle it.

Up to ``concurrency`` batches of one connection are in flight at once (the limiter, shared by
every process, keeps the tenant inside Xero's limits). Claims are taken one at a time under a
lock, so pages are claimed in order; sends and settles run concurrently. Before each claim the
limiter is asked how long a call would wait: past the engine's ``max_limiter_wait`` the slice
stops (deferred) without claiming, so a tenant held back by the app-wide limit does not claim,
write and release batch after batch; deferred by that wait, it keeps its turn in the limiter's
fair queue until it is due back (``LimiterBackend.peek``). Pages are claimed after the last id
the phase claimed (a claim scanning from the start would pass the index entries every claimed
record leaves until vacuum); when nothing is left after it, the phase looks once more from the
start.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from xero_connector import metrics
from xero_connector.db.models import Connection, SyncRun
from xero_connector.logs import get_logger
from xero_connector.sync import batches
from xero_connector.sync.batches import Prepared, Tally
from xero_connector.sync.port import (
    AnswerLost,
    DailyLimit,
    Rejected,
    RunStopped,
    SyncStop,
    TenantPort,
    Unsent,
)
from xero_connector.sync.translation import Translate

if TYPE_CHECKING:
    from xero_connector.sync.engine import SyncEngine

log = get_logger(__name__)

AFTER_LOST_ANSWER = 1.0  # seconds before the next slice reconciles a lost answer


@dataclass(frozen=True)
class Stop:
    """Why a slice stops early: defer (``retry_after``), wait (``until``) or fail (``fail``)."""

    reason: str
    retry_after: float = 0.0
    until: datetime | None = None
    fail: str | None = None

    def not_before(self, now: datetime) -> datetime:
        return self.until or now + timedelta(seconds=max(0.0, self.retry_after))

    @classmethod
    def of(cls, exc: SyncStop) -> Stop:
        if isinstance(exc, Unsent):
            return cls(exc.reason, retry_after=exc.retry_after)
        if isinstance(exc, DailyLimit):
            return cls(str(exc), until=exc.until)
        if isinstance(exc, RunStopped):
            return cls(exc.reason, fail=exc.reason)
        return cls("Xero's answer was lost", retry_after=AFTER_LOST_ANSWER)


class Pusher:
    """Pushes the phases of one slice; ``stop`` is set by the first batch that stops it."""

    def __init__(
        self,
        engine: SyncEngine,
        run: SyncRun,
        connection: Connection,
        tenant: TenantPort,
        tally: Tally,
    ) -> None:
        self.engine = engine
        self.run = run
        self.connection = connection
        self.tenant = tenant
        self.tally = tally
        self.stop: Stop | None = None
        self.deadline = engine.clock() + timedelta(seconds=engine.slice_seconds)
        self._after: str | None = None  # the last record id this phase claimed

    def _halt(self, stop: Stop) -> None:
        if self.stop is None or stop.fail or (stop.until and not self.stop.fail):
            self.stop = stop

    async def push_phase(self, kind: str) -> bool:
        """Push ``kind`` until nothing of it is pending; False when the slice stopped first."""
        async with self.engine.session_factory() as session:
            translate = await self.engine.translations.load(session, self.connection.id)
        lock = asyncio.Lock()
        exhausted = False
        self._after = None

        async def worker() -> None:
            nonlocal exhausted
            while self.stop is None and self.engine.clock() < self.deadline:
                async with lock:
                    if exhausted or self.stop is not None:
                        return
                    if not await self._limiter_lets_us_send():  # claim nothing only to release it
                        return
                    prepared = await self._prepare(kind, translate)
                    if prepared is None:
                        exhausted = True
                        return
                    if self.stop is not None:  # stopped while claiming: send none of it
                        await self._release(prepared, self.stop.reason)
                        return
                for batch in prepared:
                    await self._send(batch)

        await asyncio.gather(*(worker() for _ in range(self.engine.concurrency)))
        return exhausted and self.stop is None

    async def _limiter_lets_us_send(self) -> bool:
        """False (the slice stops, deferred) when the limiter would make a call wait too long."""
        wait = await self.tenant.wait_estimate()
        if wait <= self.engine.max_limiter_wait:
            return True
        self._halt(Stop.of(Unsent("waiting for the rate limiter", wait)))
        return False

    async def _prepare(self, kind: str, translate: Translate) -> list[Prepared] | None:
        while True:
            async with self.engine.session_factory() as session:
                prepared = await batches.prepare(
                    session,
                    run_id=self.run.id,
                    connection_id=self.connection.id,
                    kind=kind,
                    translate=translate,
                    batch_size=self.engine.batch_size,
                    now=self.engine.clock(),
                    tally=self.tally,
                    after=self._after,
                )
                await session.commit()
            if prepared is None and self._after is not None:
                self._after = None  # once more from the start: records released or added behind
                continue
            if prepared:
                self._after = max(m["id"] for part in prepared for m in part.batch.members)
            if prepared is None or prepared:
                return prepared

    async def _send(self, prepared: Prepared) -> None:
        batch = prepared.batch
        factory = self.engine.session_factory
        try:
            wait = await self.tenant.wait_estimate()  # again: the others may have used the room
            if wait > self.engine.max_limiter_wait:
                raise Unsent("waiting for the rate limiter", wait)
            results = await self.tenant.write(
                batch.kind,
                prepared.elements,
                method=batch.method,  # type: ignore[arg-type]
                idempotency_key=batch.idempotency_key,
            )
        except (Unsent, DailyLimit, RunStopped) as exc:
            self._halt(Stop.of(exc))  # before the records are pending again: no one reclaims them
            await self._release([prepared], str(exc))
            return
        except Rejected as exc:
            async with factory() as session:
                failed = await batches.fail_all(
                    session, batch, exc.messages, now=self.engine.clock()
                )
                await session.commit()
            self._pushed(failed)
            return
        except Exception as exc:  # AnswerLost, or anything unforeseen once the request may be out
            if not isinstance(exc, AnswerLost):
                log.exception("sync_batch_send_failed", batch_id=batch.id)
            await self._lose(prepared)
            return
        try:
            async with factory() as session:
                settled = await batches.settle_results(
                    session, batch, results, now=self.engine.clock()
                )
                await session.commit()
            self._pushed(settled)
        except ValueError:
            log.warning("sync_batch_answer_mismatch", batch_id=batch.id)
            await self._lose(prepared)

    def _pushed(self, settled: Tally) -> None:
        """Count what Xero answered for a batch (committed) in the slice and the metrics."""
        self.tally.merge(settled)
        for (kind, outcome), n in settled.counts.items():
            metrics.sync_elements_pushed(kind, outcome, n)

    async def _lose(self, prepared: Prepared) -> None:
        self._halt(Stop.of(AnswerLost()))
        async with self.engine.session_factory() as session:
            await batches.lose(session, prepared.batch, now=self.engine.clock())
            await session.commit()
        metrics.sync_elements_pushed(prepared.batch.kind, "uncertain", len(prepared.elements))

    async def _release(self, prepared: list[Prepared], reason: str) -> None:
        async with self.engine.session_factory() as session:
            for part in prepared:
                await batches.release_unsent(
                    session, part.batch, now=self.engine.clock(), reason=reason
                )
            await session.commit()
