"""Xero's rate limits as ASGI middleware around every ``/api.xro/2.0`` call.

Per app and tenant (the client id the bearer token was issued to, and the ``xero-tenant-id``
header): calls in flight, calls per minute, calls per day; per app: calls per minute across all
tenants. Two apps never share a window, as in Xero; a call whose token the sandbox never issued
counts under an anonymous app ``""``. Windows roll (never more than the limit in any minute or
day; see ``windows.py``) or, with ``limit_windows="fixed"``, are fixed and start at a tenant's
first call after the previous window ended; they are measured in sandbox time. Every answer
carries ``X-DayLimit-Remaining``, ``X-MinLimit-Remaining`` and ``X-AppMinLimit-Remaining``; a
breach answers 429 with
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
from typing import Any

from xero_connector.sandbox.windows import Window, new_window
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


class RateLimiter:
    """The counters, by app (client id) and tenant; ``acquire`` admits a call or names the breached
    limit. Windows roll unless ``config.limit_windows`` is ``"fixed"``."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.reset()

    def reset(self) -> None:
        self.minute: dict[tuple[str, str], Window] = {}
        self.day: dict[tuple[str, str], Window] = {}
        self.app_minute: dict[str, Window] = {}
        self.in_flight: Counter[tuple[str, str]] = Counter()

    def _window(self, windows: dict[Any, Window], key: Any, length: float, now: float) -> Window:
        window = windows.get(key)
        if window is None:
            window = windows[key] = new_window(self.world.config.limit_windows, length)
        window.refresh(now)
        return window

    def acquire(
        self, app_id: str, tenant: str | None, now: float
    ) -> tuple[str | None, float, dict[str, int]]:
        """(problem or None, retry-after in sandbox seconds, remaining counts for the headers)."""
        config = self.world.config
        app = self._window(self.app_minute, app_id, MINUTE, now)
        minute = day = None
        key = (app_id, tenant or "")
        if tenant is not None:
            minute = self._window(self.minute, key, MINUTE, now)
            day = self._window(self.day, key, DAY, now)
        problem, wait = None, 0.0
        if minute is not None and day is not None:
            if self.in_flight[key] >= config.tenant_concurrency:
                problem, wait = "concurrent", 1.0
            elif day.count >= config.tenant_per_day:
                problem, wait = "day", day.wait(now, config.tenant_per_day)
            elif minute.count >= config.tenant_per_minute:
                problem, wait = "minute", minute.wait(now, config.tenant_per_minute)
        if problem is None and app.count >= config.app_per_minute:
            problem, wait = "appminute", app.wait(now, config.app_per_minute)
        if problem is None:
            app.add(now)
            if minute is not None and day is not None:
                minute.add(now)
                day.add(now)
                self.in_flight[key] += 1
        remaining = {"app": max(0, config.app_per_minute - app.count)}
        if minute is not None and day is not None:
            remaining["minute"] = max(0, config.tenant_per_minute - minute.count)
            remaining["day"] = max(0, config.tenant_per_day - day.count)
        return problem, wait, remaining

    def set_remaining(
        self, app_id: str, tenant: str, now: float, *, minute: int | None, day: int | None
    ) -> dict[str, int]:
        """Make the tenant's windows show ``minute``/``day`` calls remaining, as if other calls
        (another integration of the same app) had used the rest just now."""
        config = self.world.config
        key = (app_id, tenant)
        minute_window = self._window(self.minute, key, MINUTE, now)
        day_window = self._window(self.day, key, DAY, now)
        if minute is not None:
            minute_window.set_used(config.tenant_per_minute - minute, now)
        if day is not None:
            day_window.set_used(config.tenant_per_day - day, now)
        return {
            "minute": max(0, config.tenant_per_minute - minute_window.count),
            "day": max(0, config.tenant_per_day - day_window.count),
        }

    def release(self, app_id: str, tenant: str) -> None:
        key = (app_id, tenant)
        self.in_flight[key] -= 1
        if self.in_flight[key] <= 0:
            del self.in_flight[key]

    def snapshot(self) -> dict[str, object]:
        """``{windows, in_flight, minute, day: {app: {tenant: n}}, app_minute: {app: n}}``."""

        def by_app(counts: dict[tuple[str, str], int]) -> dict[str, dict[str, int]]:
            nested: dict[str, dict[str, int]] = {}
            for (app_id, tenant), count in counts.items():
                nested.setdefault(app_id, {})[tenant] = count
            return nested

        now = self.world.clock.now()
        for windows in (self.minute, self.day, self.app_minute):
            for window in windows.values():
                window.refresh(now)
        return {
            "windows": self.world.config.limit_windows,
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
