"""The in-process backend (``dev``: one process): the rules of ``backend`` over plain dicts.

It mirrors ``redis_backend``'s Lua scripts step for step; both pass the same test suite.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from xero_connector.xero.limiter.backend import Verdict
from xero_connector.xero.limiter.config import Feedback, LimitConfig


@dataclass
class _Tenant:
    inflight: dict[str, float] = field(default_factory=dict)  # lease -> expiry
    window: dict[str, float] = field(default_factory=dict)  # entry -> end
    day: dict[int, int] = field(default_factory=dict)  # bucket index -> calls
    paused_until: float = 0.0


@dataclass
class _App:
    window: dict[str, float] = field(default_factory=dict)
    paused_until: float = 0.0
    served: dict[str, float] = field(default_factory=dict)  # tenant -> last admitted
    queue: dict[str, float] = field(default_factory=dict)  # waiting tenant -> its served time
    seen: dict[str, float] = field(default_factory=dict)  # waiting tenant -> asked (or due back)


def _live(window: dict[str, float], since: float) -> int:
    """Entries ending after ``since`` (older ones are kept a while for ``release``)."""
    return sum(1 for end in window.values() if end > since)


def _kth_end(window: dict[str, float], k: int, now: float, since: float) -> float:
    """The ``k``-th smallest live entry end (0-based, clamped), an in-flight end counting as now."""
    ends = sorted(end for end in window.values() if end > since)
    if not ends:
        return now
    return min(ends[min(max(k, 0), len(ends) - 1)], now)


class MemoryBackend:
    """Limiter state of this process only. ``clock`` is monotonic seconds (tests may fake it)."""

    def __init__(self, config: LimitConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._clock = clock
        self._tenants: dict[str, _Tenant] = {}
        self._app = _App()
        self._phantoms = 0

    # -- the steps ---------------------------------------------------------------------------

    async def try_acquire(self, tenant: str | None, lease_id: str) -> Verdict:
        return self._check(tenant, lease_id, admit=True)

    async def peek(self, tenant: str | None) -> Verdict:
        return self._check(tenant, None, admit=False)

    async def release(
        self,
        tenant: str | None,
        lease_id: str,
        feedback: Feedback | None,
        admitted_at: float | None = None,
    ) -> None:
        now = self._clock()
        cfg = self.config
        since = (admitted_at if admitted_at is not None else now) - cfg.minute_window
        app = self._prune_app(now)
        if lease_id in app.window:
            app.window[lease_id] = now
        state = self._prune_tenant(tenant, now) if tenant is not None else None
        if state is not None:
            state.inflight.pop(lease_id, None)
            if lease_id in state.window:
                state.window[lease_id] = now
        if feedback is None:
            return
        if state is not None and feedback.minute_remaining is not None:
            missing = cfg.tenant_minute - _live(state.window, since) - feedback.minute_remaining
            self._add_phantoms(state.window, min(missing, cfg.tenant_minute), now)
        if state is not None and feedback.day_remaining is not None:
            missing = cfg.tenant_day - sum(state.day.values()) - feedback.day_remaining
            if missing > 0:
                bucket = self._bucket(now)
                state.day[bucket] = state.day.get(bucket, 0) + min(missing, cfg.tenant_day)
        if feedback.app_remaining is not None:
            missing = cfg.app_minute - _live(app.window, since) - feedback.app_remaining
            self._add_phantoms(app.window, min(missing, cfg.app_minute), now)
        if feedback.problem is not None:
            until = now + (feedback.retry_after or 0.0)
            if feedback.problem == "app":
                app.paused_until = max(app.paused_until, until)
            elif state is not None:
                state.paused_until = max(state.paused_until, until)

    async def renew(self, tenant: str | None, lease_id: str) -> bool:
        now = self._clock()
        expiry = now + self.config.lease_seconds
        app = self._prune_app(now)
        if tenant is None:
            if lease_id not in app.window or app.window[lease_id] <= now:
                return False
            app.window[lease_id] = expiry
            return True
        state = self._prune_tenant(tenant, now)
        if lease_id not in state.inflight:
            return False
        state.inflight[lease_id] = expiry
        state.window[lease_id] = expiry
        if lease_id in app.window:
            app.window[lease_id] = expiry
        return True

    async def aclose(self) -> None:
        return None

    # -- internals ---------------------------------------------------------------------------

    def _check(self, tenant: str | None, lease_id: str | None, *, admit: bool) -> Verdict:
        now = self._clock()
        cfg = self.config
        window = cfg.minute_window
        since = now - window
        app = self._prune_app(now)
        state = self._prune_tenant(tenant, now) if tenant is not None else None
        if state is not None:
            if state.paused_until > now:
                return Verdict(state.paused_until - now, "paused")
            if len(state.inflight) >= cfg.tenant_concurrency:
                soonest = min(state.inflight.values())
                return Verdict(min(soonest - now, cfg.poll_seconds), "concurrency")
            count = _live(state.window, since)
            if count >= cfg.tenant_minute:
                end = _kth_end(state.window, count - cfg.tenant_minute, now, since)
                return Verdict(end + window - now, "minute")
            if sum(state.day.values()) >= cfg.tenant_day:
                oldest = min(index for index, count in state.day.items() if count > 0)
                return Verdict((oldest + 97) * cfg.day_bucket - now, "day")
        if app.paused_until > now:
            return Verdict(app.paused_until - now, "app_paused")
        free = cfg.app_minute - _live(app.window, since)
        if tenant is None:
            if free <= 0:
                return Verdict(_kth_end(app.window, -free, now, since) + window - now, "app")
        else:
            mine = app.served.get(tenant, 0.0)
            ahead = sum(
                1 for other, served in app.queue.items() if other != tenant and served < mine
            )
            if ahead >= free:
                wait = _kth_end(app.window, ahead - free, now, since) + window - now
                # A peek's caller is deferred by ``wait``: its place lasts until it is due back.
                app.queue[tenant] = mine
                app.seen[tenant] = now if admit else now + wait
                return Verdict(wait, "app" if free <= 0 else "fair")
        if not admit or lease_id is None:
            return Verdict(0.0, "admitted", now)
        expiry = now + cfg.lease_seconds
        app.window[lease_id] = expiry
        if state is not None and tenant is not None:
            state.inflight[lease_id] = expiry
            state.window[lease_id] = expiry
            bucket = self._bucket(now)
            state.day[bucket] = state.day.get(bucket, 0) + 1
            app.served[tenant] = now
            app.queue.pop(tenant, None)
            app.seen.pop(tenant, None)
        return Verdict(0.0, "admitted", now)

    def _bucket(self, now: float) -> int:
        return math.floor(now / self.config.day_bucket)

    def _prune_app(self, now: float) -> _App:
        app = self._app
        horizon = now - self.config.minute_window
        kept = horizon - self.config.window_lag
        for entry in [e for e, end in app.window.items() if end <= kept]:
            del app.window[entry]
        for tenant in [t for t, served in app.served.items() if served <= horizon]:
            del app.served[tenant]
        stale = now - self.config.waiter_stale
        for tenant in [t for t, seen in app.seen.items() if seen <= stale]:
            del app.seen[tenant]
            app.queue.pop(tenant, None)
        return app

    def _prune_tenant(self, tenant: str, now: float) -> _Tenant:
        state = self._tenants.setdefault(tenant, _Tenant())
        for lease in [lease for lease, expiry in state.inflight.items() if expiry <= now]:
            del state.inflight[lease]
        kept = now - self.config.minute_window - self.config.window_lag
        for entry in [e for e, end in state.window.items() if end <= kept]:
            del state.window[entry]
        oldest_kept = self._bucket(now) - 96
        for index in [i for i in state.day if i < oldest_kept]:
            del state.day[index]
        return state

    def _add_phantoms(self, window: dict[str, float], count: int, now: float) -> None:
        for _ in range(max(count, 0)):
            self._phantoms += 1
            window[f"phantom:{self._phantoms}"] = now
