"""What the sync needs of Xero, and the outcomes it branches on (``xero_port`` adapts the client).

Write failures are sorted by what they mean for the records of the batch:

- ``Unsent``: nothing reached Xero (the limiter would wait, a minute/concurrency 429, 5xx or a
  network failure before the request went out): the records go back to pending and the slice
  stops until ``retry_after`` has passed.
- ``AnswerLost``: the request may have been applied (timeout after sending, reset, 5xx): the
  records become ``uncertain`` and are reconciled by looking them up before anything is resent.
- ``DailyLimit``: Xero's daily limit: nothing applied; the run waits until ``until``.
- ``RunStopped``: the connection cannot be used (disconnected inside Xero, re-auth needed):
  nothing applied; the run fails with ``reason``.
- ``Rejected``: Xero refused the whole request (400) with ``messages``; nothing applied.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

Method = Literal["PUT", "POST"]


@dataclass(frozen=True)
class ElementResult:
    """What Xero did with one element, in the order sent."""

    status: Literal["ok", "warning", "error"]
    xero_id: str | None
    messages: list[str] = field(default_factory=list)


class SyncStop(Exception):
    """Base of the write outcomes that are not per-element results."""


class Unsent(SyncStop):
    def __init__(self, reason: str, retry_after: float) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class AnswerLost(SyncStop):
    pass


class DailyLimit(SyncStop):
    def __init__(self, until: datetime) -> None:
        super().__init__(f"Xero's daily limit for this organisation is used up until {until}")
        self.until = until


class RunStopped(SyncStop):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Rejected(SyncStop):
    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


class TenantPort(Protocol):
    """One connection's Accounting API, as the sync uses it."""

    async def wait_estimate(self) -> float:
        """Seconds the next call would wait for the rate limiter."""
        ...

    async def write(
        self,
        kind: str,
        elements: Sequence[Mapping[str, Any]],
        *,
        method: Method,
        idempotency_key: str,
    ) -> list[ElementResult]:
        """One batch; raises a ``SyncStop`` for anything but per-element results."""
        ...

    async def find(
        self, kind: str, *, where: str | None = None, ids: Sequence[str] | None = None
    ) -> list[dict[str, Any]]:
        """Documents matching ``where`` or with these Xero ids (raises ``Unsent`` for a
        transient failure, ``DailyLimit`` or ``RunStopped``)."""
        ...


class XeroPort(Protocol):
    def tenant(self, connection_id: str, grant_id: str, tenant_id: str) -> TenantPort: ...
