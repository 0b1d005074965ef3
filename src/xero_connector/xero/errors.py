"""Upstream failures, classified once here; callers branch on the class, never on status codes.

AppError
├── XeroError (502)                  a definite answer from Xero we cannot use
│   ├── XeroOAuthError               the token endpoint's own ``error`` (invalid_client, ...)
│   │   └── InvalidGrant             code or refresh token used, expired or revoked
│   ├── XeroAuthError                401 from the API: the access token was refused
│   ├── XeroDisconnected             403 AuthenticationUnsuccessful: tenant disconnected
│   ├── XeroNotFound                 404
│   └── XeroValidationError          400 with Xero's validation messages
└── TransientError (503)
    ├── XeroUnavailable              5xx, timeouts, network errors
    └── XeroRateLimited              429; ``retry_after`` seconds and Xero's ``problem``
"""

from __future__ import annotations

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


class XeroAuthError(XeroError):
    title = "Xero refused the access token"


class XeroDisconnected(XeroError):
    title = "The organisation disconnected this app inside Xero"


class XeroNotFound(XeroError):
    title = "Not found at Xero"


class XeroValidationError(XeroError):
    title = "Xero rejected the data"

    def __init__(self, detail: str | None = None, *, messages: list[str] | None = None) -> None:
        super().__init__(detail)
        self.messages = messages or []


class XeroUnavailable(TransientError):
    code, title = "xero_unavailable", "Xero is unavailable"


class XeroRateLimited(TransientError):
    code, title = "xero_rate_limited", "Xero's rate limit was reached"

    def __init__(self, *, retry_after: float | None, problem: str | None) -> None:
        super().__init__(f"Xero rate limit ({problem or 'unknown'})", retry_after=retry_after)
        self.problem = problem


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
        raise XeroAuthError(detail)
    if status == 403:
        if detail and "AuthenticationUnsuccessful" in detail:
            raise XeroDisconnected(detail)
        raise XeroAuthError(detail or "Xero answered HTTP 403")
    if status == 404:
        raise XeroNotFound(detail)
    raise XeroValidationError(detail or f"Xero answered HTTP {status}")
