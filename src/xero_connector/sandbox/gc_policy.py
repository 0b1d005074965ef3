"""Garbage-collector policy for a process that runs nothing but the sandbox (``xero-connector
sandbox``).

The accounting ledger only grows and holds no reference cycles (replaced documents are freed by
reference counting), yet CPython's cyclic collector walks every container it tracks on each full
collection. With hundreds of thousands of stored invoice dicts those walks took a quarter of the
server's time, and write latency grew with the ledger. ``gc.freeze()`` moves everything tracked
so far into a permanent generation the collector skips, so each collection only looks at what was
allocated since the last freeze.

Freezing changes the whole process's collector, so the sandbox app never does it itself (``dev``
runs that app inside the connector's process). Only the ``sandbox`` command wraps the app in
:class:`PeriodicGcFreeze`. The cost: cyclic garbage made before a freeze is never collected; the
sandbox makes little of it (reference counting frees everything else, frozen or not).
"""

from __future__ import annotations

import asyncio
import gc

from xero_connector.sandbox.limits import ASGIApp, Receive, Scope, Send

DEFAULT_FREEZE_SECONDS = 0.2


class PeriodicGcFreeze:
    """ASGI wrapper: calls ``gc.freeze()`` every ``interval`` seconds while the server runs.

    The timer starts with the first ASGI event (the lifespan start under uvicorn) on the server's
    own event loop, so each freeze runs between requests, never concurrently with a collection.
    """

    def __init__(self, app: ASGIApp, interval: float = DEFAULT_FREEZE_SECONDS) -> None:
        if interval <= 0:
            raise ValueError("the freeze interval must be positive")
        self.app = app
        self.interval = interval
        self.freezes = 0
        self._timer: asyncio.Task[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._timer is None:
            gc.freeze()  # the imports, the seeded charts and the compiled schemas, once
            self._timer = asyncio.get_running_loop().create_task(self._freeze_forever())
        await self.app(scope, receive, send)

    def stop(self) -> None:
        """Cancel the timer (tests; uvicorn's shutdown cancels it with the loop anyway)."""
        if self._timer is not None:
            self._timer.cancel()

    async def _freeze_forever(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            gc.freeze()
            self.freezes += 1
