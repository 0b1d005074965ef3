"""Upstream failures, classified once here; callers branch on the class, never on status codes.

AppError
├── XeroError (502)                  a definite answer from Xero we cannot use
│   ├── XeroOAuthError               the token endpoint's own ``error`` (invalid_client, ...)
│   │   └── InvalidGrant             code or refresh token used, expired or revoked
│   ├── XeroAuthFailed               401 from the API (the tenant client: after one refresh and
│   │                                retry); also a 403 that is not a disconnect
│   ├── XeroDisconnected             403 AuthenticationUnsuccessful: tenant disconnected (the
│   │                                tenant client has already marked its connections)
│   ├── XeroNotFound                 404
│   └── XeroValidation               a whole-request 400 with Xero's validation messages
└── TransientError (503)
    ├── XeroUnavailable              5xx, timeouts, network errors, unreadable answers to reads
    ├── XeroUncertain                a WRITE whose answer was lost (timeout after sending,
    │                                connection reset, 5xx, unreadable answer): Xero may have
    │                                applied it, so it must be reconciled, never resent blindly
    └── XeroRateLimited              429; ``problem``, ``retry_after`` seconds and ``until``

``XeroAuthError`` and ``XeroValidationError`` are the older names of two of these classes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

import httpx

from xero_connector.errors import AppError, TransientError


class XeroError(AppError):
    status, code, title = 502, "xero_error", "Xero refused the request"


class XeroOAuthError(XeroError):
    """The token endpoint answered an OAuth error; ``error`` is Xero's code."""

    def __init__(self, error: str, description: str | None = None) -> None:
        super().__init__(f"Xero answered {error}" + (f": {description}" if description else ""))
        self.error = error


class InvalidGrant(XeroOAuthError):
    def __init__(self, description: str | None = None) -> None:
        super().__init__("invalid_grant", description)


class XeroAuthFailed(XeroError):
    title = "Xero refused the access token"


XeroAuthError = XeroAuthFailed


class XeroDisconnected(XeroError):
    title = "The organisation disconnected this app inside Xero"


class XeroNotFound(XeroError):
    title = "Not found at Xero"


class XeroValidation(XeroError):
    """A whole request Xero refused with a 400; ``messages`` are Xero's own, in its order."""

    title = "Xero rejected the data"

    def __init__(self, detail: str | None = None, *, messages: list[str] | None = None) -> None:
        super().__init__(detail)
        self.messages = messages or []


XeroValidationError = XeroValidation


class XeroUnavailable(TransientError):
    code, title = "xero_unavailable", "Xero is unavailable"


class XeroUncertain(TransientError):
    """A write was sent but its answer was lost: Xero may or may not have applied it."""

    code, title = "xero_uncertain", "Xero's answer to a write was lost"


RateProblem = Literal["minute", "day", "app", "concurrent"]


def rate_problem(header: str | None) -> RateProblem:
    """Xero's ``X-Rate-Limit-Problem`` as one of our four problems (unknown values: minute)."""
    value = (header or "").strip().lower()
    if value.startswith("day"):
        return "day"
    if value.startswith("app"):
        return "app"
    if value.startswith("concurren"):
        return "concurrent"
    return "minute"


class XeroRateLimited(TransientError):
    """A 429. ``problem``: minute, day, app or concurrent; ``until`` = when Retry-After ends."""

    code, title = "xero_rate_limited", "Xero's rate limit was reached"

    def __init__(
        self,
        *,
        retry_after: float | None,
        problem: str | None,
        until: datetime | None = None,
    ) -> None:
        self.problem: RateProblem = rate_problem(problem)
        super().__init__(f"Xero rate limit ({self.problem})", retry_after=retry_after)
        self.until = until or datetime.now(UTC) + timedelta(seconds=retry_after or 0.0)


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers["Retry-After"])
    except (KeyError, ValueError):
        return None


def _detail(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict):
        value = body.get("Detail") or body.get("Message") or body.get("detail")
        return str(value) if value else None
    return None


def raise_for_xero_status(response: httpx.Response) -> None:
    """Raise the classified error for a non-2xx API answer; return for success."""
    status = response.status_code
    if status < 400:
        return
    if status == 429:
        raise XeroRateLimited(
            retry_after=_retry_after(response),
            problem=response.headers.get("X-Rate-Limit-Problem"),
        )
    if status >= 500:
        raise XeroUnavailable(f"Xero answered HTTP {status}")
    detail = _detail(response)
    if status == 401:
        raise XeroAuthFailed(detail)
    if status == 403:
        if detail and "AuthenticationUnsuccessful" in detail:
            raise XeroDisconnected(detail)
        raise XeroAuthFailed(detail or "Xero answered HTTP 403")
    if status == 404:
        raise XeroNotFound(detail)
    raise XeroValidation(detail or f"Xero answered HTTP {status}")
