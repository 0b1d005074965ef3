"""Retry delays: exponential backoff with jitter, never shorter than the server's Retry-After."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """``delay(n)`` for the n-th consecutive failure (n >= 1).

    The delay doubles from ``base`` up to ``cap`` and is then drawn uniformly from its upper half
    ("equal jitter"), so processes that failed together do not retry together. A ``retry_after``
    hint from Xero (429) is a floor.
    """

    base_seconds: float = 5.0
    cap_seconds: float = 900.0

    def delay(self, failures: int, *, retry_after: float | None = None) -> float:
        exponent = min(max(failures, 1) - 1, 30)
        ceiling = min(self.cap_seconds, self.base_seconds * 2**exponent)
        delay = ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311  (jitter, not security)
        return float(max(delay, retry_after or 0.0))
