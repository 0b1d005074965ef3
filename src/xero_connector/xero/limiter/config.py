"""The limits the limiter enforces, and what a response tells it (``Feedback``)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from xero_connector.xero.errors import RateProblem, rate_problem

MINUTE_SECONDS = 60.0
DAY_SECONDS = 86400.0
DAY_BUCKETS = 96  # the day is counted in 15-minute buckets (Xero time)


@dataclass(frozen=True, slots=True)
class LimitConfig:
    """Xero's limits (per app and tenant, and app-wide) and the limiter's own timings.

    Windows are in Xero seconds divided by ``time_scale`` (so a sandbox started with the same
    ``--time-scale`` sees Xero's numbers); ``margin_seconds`` is added to each window. Leases
    and polling are real seconds: they are about how long one HTTP call may take.
    """

    tenant_concurrency: int = 5
    tenant_minute: int = 60
    tenant_day: int = 5000
    app_minute: int = 10000
    time_scale: float = 1.0
    margin_seconds: float = 1.0
    lease_seconds: float = 90.0
    poll_seconds: float = 0.25

    @property
    def minute_window(self) -> float:
        return (MINUTE_SECONDS + self.margin_seconds) / self.time_scale

    @property
    def day_window(self) -> float:
        return (DAY_SECONDS + self.margin_seconds) / self.time_scale

    @property
    def day_bucket(self) -> float:
        return self.day_window / DAY_BUCKETS

    @property
    def max_sleep(self) -> float:
        """The longest a waiter sleeps before asking again (the picture may have changed)."""
        return max(self.poll_seconds, self.minute_window / 20)

    @property
    def waiter_stale(self) -> float:
        """A tenant that has not asked for this long no longer holds its place in the queue."""
        return 3 * self.max_sleep + 1.0

    @property
    def window_lag(self) -> float:
        """How long window entries are kept past their window (a call's longest flight)."""
        return self.lease_seconds

    @property
    def key_ttl(self) -> float:
        """How long idle state is kept (the day buckets decide)."""
        return self.day_window + self.day_bucket + self.lease_seconds


@dataclass(frozen=True, slots=True)
class Feedback:
    """What one Xero answer says about the limits: the remaining counts, and a 429's problem."""

    minute_remaining: int | None = None
    day_remaining: int | None = None
    app_remaining: int | None = None
    problem: RateProblem | None = None
    retry_after: float | None = None

    @classmethod
    def from_response(cls, status: int, headers: Mapping[str, str]) -> Feedback:
        problem = rate_problem(headers.get("x-rate-limit-problem")) if status == 429 else None
        retry_after = _number(headers.get("retry-after")) if status == 429 else None
        if status == 429 and retry_after is None:
            retry_after = 60.0 if problem != "day" else DAY_SECONDS
        return cls(
            minute_remaining=_count(headers.get("x-minlimit-remaining")),
            day_remaining=_count(headers.get("x-daylimit-remaining")),
            app_remaining=_count(headers.get("x-appminlimit-remaining")),
            problem=problem,
            retry_after=retry_after,
        )


def _number(value: str | None) -> float | None:
    try:
        number = float(value) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) and number >= 0 else None


def _count(value: str | None) -> int | None:
    number = _number(value)
    return int(number) if number is not None else None
