"""What one write element is validated and applied with, and what comes out of it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from xero_connector.sandbox.accounting.ledger import Ledger, Record


@dataclass(slots=True)
class WriteContext:
    """The tenant's ledger plus the request's settings (time, ``unitdp``, the verb)."""

    ledger: Ledger
    now_ms: int
    today: date  # in the organisation's timezone
    unit_dp: int
    new_id: Callable[[], str]
    method: str  # "PUT" creates only; "POST" creates or updates
    app_id: str = ""  # the client id of the calling app (documents remember who created them)


@dataclass(slots=True)
class Outcome:
    """The result of one element: stored record, or the validation errors that stopped it."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    record: Record | None = None
