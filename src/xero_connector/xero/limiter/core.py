"""``Limiter``: consulted before every tenant call and released after it, over a backend.

Waiting happens here, the same for both backends. Within one process, the callers of one tenant
queue in FIFO order behind a local lock and only the head asks the backend (one round trip per
try); it sleeps as long as the backend says (at most ``max_sleep``), or until a call of this
process releases a slot. A caller that is cancelled while waiting holds nothing; one cancelled
while its backend step is in flight gives back the slot that step may have taken.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field

from xero_connector import metrics
from xero_connector.errors import TransientError
from xero_connector.xero.limiter.backend import LimiterBackend, Verdict
from xero_connector.xero.limiter.config import Feedback, LimitConfig

_TENANTLESS = ""


class LimiterWouldWait(TransientError):
    """The call would wait longer than the caller's ``max_wait``; ``seconds`` is the estimate.

    Transient, with ``retry_after`` = ``seconds``: a job that lets it through is deferred by the
    job seam instead of sleeping in a worker slot.
    """

    code, title = "xero_rate_limited", "Waiting for Xero's rate limit"

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the rate limiter would wait {seconds:.1f} s", retry_after=seconds)
        self.seconds = seconds


@dataclass(slots=True)
class Lease:
    """A slot held for one call. Set ``feedback`` from the answer before releasing."""

    tenant: str | None
    id: str
    waited: float
    admitted_at: float | None = None  # the backend's clock
    feedback: Feedback | None = None
    _released: bool = field(default=False, repr=False)


class Limiter:
    """Admission for Xero calls, shared by every process using the same backend state."""

    def __init__(self, backend: LimiterBackend) -> None:
        self.backend = backend
        self.config: LimitConfig = backend.config
        self._gates: dict[str, asyncio.Lock] = {}
        self._freed: dict[str, asyncio.Event] = {}
        self._giving_back: set[asyncio.Future[None]] = set()

    async def acquire(self, tenant: str | None, *, max_wait: float | None = None) -> Lease:
        """Wait for a slot (raising ``LimiterWouldWait`` rather than waiting past ``max_wait``)."""
        started = time.monotonic()
        lease_id = uuid.uuid4().hex
        key = tenant or _TENANTLESS
        gate = self._gates.setdefault(key, asyncio.Lock())
        async with gate:
            while True:
                verdict = await self._try(tenant, lease_id)
                waited = time.monotonic() - started
                if verdict.admitted:
                    metrics.limiter_waited(waited)
                    return Lease(tenant, lease_id, waited, verdict.at)
                if max_wait is not None and waited + verdict.wait > max_wait:
                    raise LimiterWouldWait(waited + verdict.wait)
                await self._sleep(key, verdict)

    async def release(self, lease: Lease) -> None:
        """Give the slot back (once), with what the answer said in ``lease.feedback``."""
        if lease._released:
            return
        lease._released = True
        await self.backend.release(lease.tenant, lease.id, lease.feedback, lease.admitted_at)
        freed = self._freed.pop(lease.tenant or _TENANTLESS, None)
        if freed is not None:
            freed.set()

    @asynccontextmanager
    async def hold(
        self, tenant: str | None, *, max_wait: float | None = None
    ) -> AsyncIterator[Lease]:
        """Acquire, keep the lease alive while the body runs, release whatever happens."""
        lease = await self.acquire(tenant, max_wait=max_wait)
        keeper = asyncio.create_task(self._keep_alive(lease))
        try:
            yield lease
        finally:
            keeper.cancel()
            # Shielded: a cancelled caller still gives its slot back.
            await asyncio.shield(self.release(lease))

    async def wait_estimate(self, tenant: str | None) -> float:
        """Seconds a call for ``tenant`` would wait now (0: it would go at once). Held back by
        the app's share, the tenant keeps its turn until then (see ``LimiterBackend.peek``):
        a caller that defers itself should come back after this wait."""
        verdict = await self.backend.peek(tenant)
        return 0.0 if verdict.admitted else max(verdict.wait, 0.0)

    async def aclose(self) -> None:
        await self.backend.aclose()

    # -- internals ---------------------------------------------------------------------------

    async def _try(self, tenant: str | None, lease_id: str) -> Verdict:
        step = asyncio.ensure_future(self.backend.try_acquire(tenant, lease_id))
        try:
            return await asyncio.shield(step)
        except asyncio.CancelledError:
            step.add_done_callback(lambda done: self._give_back(tenant, lease_id, done))
            raise

    def _give_back(self, tenant: str | None, lease_id: str, done: asyncio.Future[Verdict]) -> None:
        if done.cancelled() or done.exception() is not None or not done.result().admitted:
            return
        task = asyncio.ensure_future(self.release(Lease(tenant, lease_id, 0.0, done.result().at)))
        self._giving_back.add(task)
        task.add_done_callback(self._giving_back.discard)

    async def _sleep(self, key: str, verdict: Verdict) -> None:
        seconds = min(max(verdict.wait, 0.001), self.config.max_sleep)
        if verdict.reason != "concurrency":
            await asyncio.sleep(seconds)
            return
        freed = self._freed.setdefault(key, asyncio.Event())
        with suppress(TimeoutError):
            await asyncio.wait_for(freed.wait(), seconds)

    async def _keep_alive(self, lease: Lease) -> None:
        every = self.config.lease_seconds / 3
        while True:
            await asyncio.sleep(every)
            if not await self.backend.renew(lease.tenant, lease.id):
                return
