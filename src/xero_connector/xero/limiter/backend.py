"""What a limiter backend does, in one atomic step each; ``core.Limiter`` does the waiting.

Both backends (``memory.MemoryBackend`` and ``redis_backend.RedisBackend``) implement the same
rules, step for step; the tests run one suite against both.

The rules (all times on the backend's one clock; ``W`` = the minute window plus margin):
- a tenant admits a call while it has fewer than ``tenant_concurrency`` unexpired leases, fewer
  than ``tenant_minute`` window entries whose end is later than ``now - W``, fewer than
  ``tenant_day`` calls in its day buckets, and is not paused; the app while it has fewer than
  ``app_minute`` entries in its own window and is not paused;
- an admitted call's window entry ends at its lease expiry while in flight and at its completion
  once released: Xero counts a call when it arrives, somewhere between our send and its answer,
  so two calls can only share one of Xero's 60-second windows if the first one ENDED less than
  ``W`` before the second STARTED. That bounds every 60-second interval at Xero by the limit,
  whatever the network delays, with no clock of Xero's needed;
- fairness for the app-wide share: a tenant waiting on the app limit queues by the time it was
  last served; it is admitted only when the free app slots outnumber the waiting tenants served
  before it, so tenants take turns, whatever their backlog. A waiter's place lapses once it has
  not asked for ``waiter_stale`` seconds. ``peek`` takes no slot, but a tenant it finds held back
  by the app limit or by fairness (reason ``app`` or ``fair``) queues like a waiting call, its
  place kept until ``wait`` from now plus ``waiter_stale``: its caller is deferred by that wait
  (a sync slice stops and comes back then) and must not lose its turn to the tenants served
  after it meanwhile. A tenant held back by its own limits (``paused``, ``concurrency``,
  ``minute``, ``day``) or by an app pause never queues;
- ``release`` records the completion, learns from Xero's remaining counts (when Xero says fewer
  remain than we counted when the call was admitted, phantom entries make up the difference:
  Xero computed its count when the call arrived, so comparing with our count at release would
  mistake the entries that aged out meanwhile for calls we never made), and applies a 429's
  pause. Entries stay stored ``window_lag`` seconds past their window for that comparison;
- ``renew`` pushes a live lease's expiry forward (long calls), so only a dead process's lease
  ever expires.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from xero_connector.xero.limiter.config import Feedback, LimitConfig

Reason = Literal["admitted", "paused", "concurrency", "minute", "day", "app_paused", "app", "fair"]
REASONS: tuple[Reason, ...] = (
    "admitted",
    "paused",
    "concurrency",
    "minute",
    "day",
    "app_paused",
    "app",
    "fair",
)


@dataclass(frozen=True, slots=True)
class Verdict:
    """``wait`` seconds until asking again makes sense (0 when admitted), and why; ``at``: the
    backend's clock when it admitted the call (``release`` compares Xero's counts with then)."""

    wait: float
    reason: Reason
    at: float | None = None

    @property
    def admitted(self) -> bool:
        return self.reason == "admitted"


@dataclass(frozen=True, slots=True)
class ParkInfo:
    """A tenant paused by a 429: until when (backend clock seconds from now) and why."""

    seconds: float
    problem: str


class LimiterBackend(Protocol):
    config: LimitConfig

    async def try_acquire(self, tenant: str | None, lease_id: str) -> Verdict:
        """Admit the call under ``lease_id`` now, or say how long to wait (and queue for the
        app-wide share when that is what blocks)."""
        ...

    async def release(
        self,
        tenant: str | None,
        lease_id: str,
        feedback: Feedback | None,
        admitted_at: float | None = None,
    ) -> None:
        """The call is over: record its end, learn from ``feedback`` (against what the windows
        held at ``admitted_at``), apply a 429's pause."""
        ...

    async def renew(self, tenant: str | None, lease_id: str) -> bool:
        """Extend a live lease; False when it had already expired."""
        ...

    async def peek(self, tenant: str | None) -> Verdict:
        """What ``try_acquire`` would answer now, taking no slot; a tenant held back by the app
        limit or fairness keeps its place in the queue until ``wait`` from now (plus the grace)."""
        ...

    async def aclose(self) -> None: ...
