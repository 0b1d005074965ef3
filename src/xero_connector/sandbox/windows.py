"""The counting windows behind the sandbox's rate limits: rolling (the default) or fixed.

A rolling window remembers the arrival time of every call it admitted within its length, so it
never admits more than the limit in ANY stretch of that length: Xero's 429 messages speak of
"the last minute". A fixed window counts from its first call until its length has passed, then
starts again at the next call, so two full windows can meet at an edge (twice the limit within
a few seconds); it is kept as an option (``--limit-windows fixed``) to test a client against
both readings of Xero's documentation.
"""

from __future__ import annotations

from collections import deque
from typing import Literal, Protocol

WindowKind = Literal["rolling", "fixed"]


class Window(Protocol):
    """Calls counted over ``length`` sandbox seconds."""

    @property
    def count(self) -> int: ...

    def refresh(self, now: float) -> None:
        """Forget what has aged out by ``now``."""

    def add(self, now: float) -> None:
        """Count one admitted call."""

    def wait(self, now: float, limit: int) -> float:
        """Sandbox seconds until the window counts fewer than ``limit`` calls."""

    def set_used(self, used: int, now: float) -> None:
        """Make the window count ``used`` calls (``/_sandbox/limits``): extra ones arrive now."""


class FixedWindow:
    """Counts from its first call until ``length`` has passed."""

    def __init__(self, length: float) -> None:
        self.length = length
        self.started: float | None = None
        self._count = 0

    @property
    def count(self) -> int:
        return self._count

    def refresh(self, now: float) -> None:
        if self.started is None or now >= self.started + self.length:
            self.started, self._count = now, 0

    def add(self, now: float) -> None:
        self._count += 1

    def wait(self, now: float, limit: int) -> float:
        started = now if self.started is None else self.started
        return max(0.0, started + self.length - now)

    def set_used(self, used: int, now: float) -> None:
        self.refresh(now)
        self._count = max(0, used)


class RollingWindow:
    """Remembers each admitted call's arrival; a call ages out ``length`` after it arrived."""

    def __init__(self, length: float) -> None:
        self.length = length
        self.arrivals: deque[float] = deque()

    @property
    def count(self) -> int:
        return len(self.arrivals)

    def refresh(self, now: float) -> None:
        horizon = now - self.length
        arrivals = self.arrivals
        while arrivals and arrivals[0] <= horizon:
            arrivals.popleft()

    def add(self, now: float) -> None:
        self.arrivals.append(now)

    def wait(self, now: float, limit: int) -> float:
        excess = len(self.arrivals) - limit
        if excess < 0:
            return 0.0
        return max(0.0, self.arrivals[excess] + self.length - now)

    def set_used(self, used: int, now: float) -> None:
        self.refresh(now)
        while len(self.arrivals) > max(0, used):
            self.arrivals.popleft()
        self.arrivals.extend([now] * (used - len(self.arrivals)))


def new_window(kind: WindowKind, length: float) -> Window:
    return RollingWindow(length) if kind == "rolling" else FixedWindow(length)
