"""Injected faults, as ASGI middleware inside the rate limits, for ``/api.xro/2.0`` calls only.

Per call, drawn from the world's seeded random stream (so a seed replays the same sequence of faults
for the same sequence of calls):

- latency: ``latency_ms`` mean with ``latency_jitter_ms`` standard deviation (never negative);
- hang (share ``fault_hang``): the call is not processed; the sandbox holds the connection until the
  client goes away (then the handler is cancelled and its in-flight slot freed) or ``hang_seconds``
  real seconds pass (then 504);
- 5xx (share ``fault_5xx``): 500 or 503 with a Xero-like JSON body; nothing is applied;
- drop (share ``fault_drop``, PUT/POST only): the write IS applied, its answer is discarded
  and the connection is held exactly like a hang. The client sees a read timeout, which is what
  a lost answer looks like to a real client; only reconciliation can tell it the write
  happened.

A test can also script the faults of the next writes (``World.next_write_faults``, filled through
``POST /_sandbox/faults`` ``next_write``): each pending one is used up, in order, by the next PUT or
POST instead of a draw (reads are never scripted), so "drop the next write's answer" needs no
luck. Each fault is counted in ``Stats.faults`` by kind (``hang``, ``500``, ``503``, ``drop``).
"""

from __future__ import annotations

import asyncio
import contextlib

from xero_connector.sandbox.limits import (
    ASGIApp,
    Message,
    Receive,
    Scope,
    Send,
    is_accounting,
    send_json,
    until_disconnect,
)
from xero_connector.sandbox.world import World

WRITES = frozenset({"PUT", "POST"})
FAULT_BODIES: dict[int, dict[str, object]] = {
    500: {
        "Title": "An error occurred",
        "Status": 500,
        "Detail": "An unexpected error occurred in the sandbox (injected fault).",
    },
    503: {
        "Title": "Service Unavailable",
        "Status": 503,
        "Detail": "The service is temporarily unavailable (injected fault).",
    },
}


class FaultsMiddleware:
    """Adds latency, hangs, 5xx answers and dropped write answers per ``SandboxConfig``."""

    def __init__(self, app: ASGIApp, world: World) -> None:
        self.app = app
        self.world = world

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not is_accounting(scope):
            await self.app(scope, receive, send)
            return
        config, rng, stats = self.world.config, self.world.rng, self.world.stats
        if config.latency_ms > 0 or config.latency_jitter_ms > 0:
            delay_ms = max(0.0, rng.gauss(config.latency_ms, config.latency_jitter_ms))
            await asyncio.sleep(delay_ms / 1000)
        fault = self._next_fault(scope["method"])
        if fault is None:
            await self.app(scope, receive, send)
            return
        stats.faults[fault] += 1
        if fault == "hang":
            await self._hold(receive, send)
        elif fault == "drop":

            async def discard(message: Message) -> None:
                return None

            await self.app(scope, receive, discard)
            await self._hold(receive, send)
        else:
            status = int(fault)
            await send_json(send, status, FAULT_BODIES[status])

    def _next_fault(self, method: str) -> str | None:
        """A scripted fault for a write if one is pending, else a draw against the shares."""
        world, config = self.world, self.world.config
        if method in WRITES and world.next_write_faults:
            return world.next_write_faults.popleft()
        if config.fault_hang + config.fault_5xx + config.fault_drop <= 0:
            return None
        draw = world.rng.random()
        if draw < config.fault_hang:
            return "hang"
        if draw < config.fault_hang + config.fault_5xx:
            return str(world.rng.choice((500, 503)))
        if method in WRITES and draw < config.fault_hang + config.fault_5xx + config.fault_drop:
            return "drop"
        return None

    async def _hold(self, receive: Receive, send: Send) -> None:
        """Keep the client waiting until it leaves (return quietly) or ``hang_seconds`` pass."""
        try:
            async with asyncio.timeout(self.world.config.hang_seconds):
                await until_disconnect(receive)
                return
        except TimeoutError:
            pass
        with contextlib.suppress(OSError):
            body = {"Title": "Gateway Timeout", "Status": 504, "Detail": "No answer in time."}
            await send_json(send, 504, body)
