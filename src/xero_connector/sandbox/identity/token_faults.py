"""Faults of ``POST /connect/token`` refresh calls, configured apart from the API's faults.

For each ``grant_type=refresh_token`` call: the next fault a test scripted
(``World.next_refresh_faults``, filled through ``POST /_sandbox/faults``) if there is one, else a
draw from the world's token-fault stream (``World.token_rng``, seeded):

- ``drop`` (share ``fault_token_drop``): the call is processed as usual (the refresh token rotates,
  the used one enters its grace, the rotation is counted) but its answer is thrown away and the
  connection held until the client gives up, as a lost answer looks to a real client, or until
  ``hang_seconds`` real seconds pass (then 504). Whatever the answer was, invalid_grant included, is
  lost with it.
- ``500`` / ``503`` (share ``fault_token_5xx``, either status at random): answered at once, in
  plain text, before the client is even authenticated; nothing is applied, so the same refresh
  token works on the next call.

Counted in ``Stats.faults`` as ``token_drop``, ``token_500`` and ``token_503``; the call counts in
``Stats.token_calls`` too. Code exchanges are never faulted, so consent works while refreshes fail.
"""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from xero_connector.sandbox.limits import until_disconnect
from xero_connector.sandbox.world import World

REFRESH_FAULTS = ("drop", "500", "503")
_REASONS = {500: "Internal Server Error", 503: "Service Unavailable"}


def next_refresh_fault(world: World) -> str | None:
    """The fault for this refresh call, if any: ``drop``, ``500`` or ``503``."""
    if world.next_refresh_faults:
        return world.next_refresh_faults.popleft()
    drop, failing = world.config.fault_token_drop, world.config.fault_token_5xx
    if drop + failing <= 0:
        return None  # nothing drawn: turning token faults on never shifts a seeded sequence
    draw = world.token_rng.random()
    if draw < drop:
        return "drop"
    if draw < drop + failing:
        return world.token_rng.choice(("500", "503"))
    return None


def unavailable(status: int) -> Response:
    """A 5xx as an upstream outage answers it: plain text, no OAuth ``error`` field."""
    reason = _REASONS[status]
    return PlainTextResponse(f"{status} {reason} (injected fault)", status_code=status)


async def withhold(request: Request, seconds: float) -> Response:
    """Hold the call until the client goes away or ``seconds`` pass; then 504 (if anyone hears)."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await until_disconnect(request.receive)
    body = {"Title": "Gateway Timeout", "Status": 504, "Detail": "No answer in time."}
    return JSONResponse(body, status_code=504)
