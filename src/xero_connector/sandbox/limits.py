"""Xero's rate limits as ASGI middleware around every ``/api.xro/2.0`` call.

Per app and tenant (the client id the bearer token was issued to, and the ``xero-tenant-id``
header): calls in flight, calls per minute, calls per day; per app: calls per minute across all
tenants. Two apps never share a window, as in Xero; a call whose token the sandbox never issued
counts under an anonymous app ``""``. Windows are fixed and start at a tenant's first call after
the previous window ended, so tenants' windows reset at different moments, as Xero's do; they
are measured in sandbox time. Every answer carries ``X-DayLimit-Remaining``,
``X-MinLimit-Remaining`` and ``X-AppMinLimit-Remaining``; a breach answers 429 with
``X-Rate-Limit-Problem`` (``concurrent``, ``day``, ``minute``, ``appminute``) and
``Retry-After`` in real seconds, and is counted in ``Stats.breaches``. A refused call
consumes no quota.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from xero_connector.sandbox.world import World

# -- ASGI plumbing shared with faults.py ---------------------------------------------------------

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ACCOUNTING_PREFIX = "/api.xro/2.0"
_ID = re.compile(r"/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def is_accounting(scope: Scope) -> bool:
    return scope["type"] == "http" and str(scope["path"]).startswith(ACCOUNTING_PREFIX)


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def call_key(scope: Scope) -> str:
    """``METHOD /path`` with ids replaced by ``{id}`` (the key of ``Stats.calls``)."""
    return f"{scope['method']} {_ID.sub('/{id}', str(scope['path']))}"


async def send_json(
    send: Send, status: int, body: object, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(payload)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


async def until_disconnect(receive: Receive) -> None:
    """Wait until the client goes away (its request body, if unread, is drained on the way)."""
    while (await receive())["type"] != "http.disconnect":
        pass


# -- the limits ------------------------------------------------------------------------------------

MINUTE, DAY = 60.0, 86400.0


@dataclass
class Window:
    """A fixed window: when it started and how many calls it has counted."""

    started: float
    count: int = 0


class RateLimiter:
    """The counters, by app (client id) and tenant; ``acquire`` admits a call or names the breached
    limit."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.reset()

    def reset(self) -> None:
        self.minute: dict[tuple[str, str], Window] = {}
        self.day: dict[tuple[str, str], Window] = {}
        self.app_minute: dict[str, Window] = {}
        self.in_flight: Counter[tuple[str, str]] = Counter()

    @staticmethod
    def _current(window: Window | None, now: float, length: float) -> Window:
        if window is None or now >= window.started + length:
            return Window(started=now)
        return window

    def acquire(
        self, app_id: str, tenant: str | None, now: float
    ) -> tuple[str | None, float, dict[str, int]]:
        """(problem or None, retry-after in sandbox seconds, remaining counts for the headers)."""
        config = self.world.config
        app = self.app_minute[app_id] = self._current(self.app_minute.get(app_id), now, MINUTE)
        minute = day = None
        if tenant is not None:
            key = (app_id, tenant)
            minute = self.minute[key] = self._current(self.minute.get(key), now, MINUTE)
            day = self.day[key] = self._current(self.day.get(key), now, DAY)
        problem, wait = None, 0.0
        if tenant is not None and minute is not None and day is not None:
            if self.in_flight[(app_id, tenant)] >= config.tenant_concurrency:
                problem, wait = "concurrent", 1.0
            elif day.count >= config.tenant_per_day:
                problem, wait = "day", day.started + DAY - now
            elif minute.count >= config.tenant_per_minute:
                problem, wait = "minute", minute.started + MINUTE - now
        if problem is None and app.count >= config.app_per_minute:
            problem, wait = "appminute", app.started + MINUTE - now
        if problem is None:
            app.count += 1
            if tenant is not None and minute is not None and day is not None:
                minute.count += 1
                day.count += 1
                self.in_flight[(app_id, tenant)] += 1
        remaining = {"app": max(0, config.app_per_minute - app.count)}
        if minute is not None and day is not None:
            remaining["minute"] = max(0, config.tenant_per_minute - minute.count)
            remaining["day"] = max(0, config.tenant_per_day - day.count)
        return problem, wait, remaining

    def release(self, app_id: str, tenant: str) -> None:
        key = (app_id, tenant)
        self.in_flight[key] -= 1
        if self.in_flight[key] <= 0:
            del self.in_flight[key]

    def snapshot(self) -> dict[str, object]:
        """``{in_flight, minute, day: {app: {tenant: count}}, app_minute: {app: count}}``."""

        def by_app(counts: dict[tuple[str, str], int]) -> dict[str, dict[str, int]]:
            nested: dict[str, dict[str, int]] = {}
            for (app_id, tenant), count in counts.items():
                nested.setdefault(app_id, {})[tenant] = count
            return nested

        return {
            "in_flight": by_app(dict(self.in_flight)),
            "minute": by_app({k: w.count for k, w in self.minute.items()}),
            "day": by_app({k: w.count for k, w in self.day.items()}),
            "app_minute": {app_id: w.count for app_id, w in self.app_minute.items()},
        }


class LimitsMiddleware:
    """Applies :class:`RateLimiter` to accounting calls; also counts them in ``Stats.calls``."""

    def __init__(self, app: ASGIApp, world: World, limiter: RateLimiter) -> None:
        self.app = app
        self.world = world
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not is_accounting(scope):
            await self.app(scope, receive, send)
            return
        stats = self.world.stats
        tenant_header = header(scope, b"xero-tenant-id")
        tenant = tenant_header.strip().lower() if tenant_header else None
        stats.calls[call_key(scope)] += 1
        if tenant:
            stats.calls_per_tenant[tenant] += 1
        app_id = self.world.app_of(header(scope, b"authorization"))
        now = self.world.clock.now()
        problem, wait, remaining = self.limiter.acquire(app_id, tenant or None, now)
        headers = [(b"x-appminlimit-remaining", str(remaining["app"]).encode())]
        if "minute" in remaining:
            headers.append((b"x-minlimit-remaining", str(remaining["minute"]).encode()))
            headers.append((b"x-daylimit-remaining", str(remaining["day"]).encode()))
        if problem is not None:
            stats.breaches[problem] += 1
            retry_after = max(1, math.ceil(self.world.clock.real_seconds(wait)))
            headers += [
                (b"x-rate-limit-problem", problem.encode()),
                (b"retry-after", str(retry_after).encode()),
            ]
            body = {"Title": "Too Many Requests", "Status": 429, "Detail": "Rate limit exceeded"}
            await send_json(send, 429, body, headers)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *headers]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            if tenant:
                self.limiter.release(app_id, tenant)
