"""The project's error tree. Each error carries the HTTP status and problem type it renders as.

    AppError                      base; rendered as RFC 9457 problem+json by api/problems.py
    ├── BadRequest (400)
    ├── Unauthenticated (401)     no or bad credential
    ├── Forbidden (403)           role lacks the right, or another workspace named
    ├── NotFound (404)            missing, or another workspace's resource
    ├── Conflict (409)
    ├── InvalidInput (422)        malformed workspace_id, refused return_url, ...
    ├── ServiceUnavailable (503)
    └── TransientError (503)      worth retrying later; the job seam turns it into a retry

    ConfigurationError            a setting is missing or unusable (the CLI exits 2 on it)

Secrets never go into ``detail``: messages are written for end users and logs alike.
"""

from __future__ import annotations

import re
from typing import Any

_PLACEHOLDER = re.compile(
    r"^(|changeme|change[-_ ]?me|replace[-_ ]?me|placeholder|secret|todo|xxx+|\*+|<.*>"
    r"|your[-_ ].*|.*[-_ ]here)$",
    re.I,
)


class ConfigurationError(Exception):
    """A setting is missing or unusable; the message names the variable."""


def is_placeholder(value: str | None) -> bool:
    """True for an empty value or an obvious placeholder (``changeme``, ``your-client-secret``)."""
    return value is None or bool(_PLACEHOLDER.match(value.strip()))


class AppError(Exception):
    """Base of every error the API renders itself."""

    status: int = 500
    code: str = "internal_error"
    title: str = "Internal error"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra


class BadRequest(AppError):
    status, code, title = 400, "bad_request", "Bad request"


class Unauthenticated(AppError):
    status, code, title = 401, "unauthenticated", "Authentication required"


class Forbidden(AppError):
    status, code, title = 403, "forbidden", "Forbidden"


class NotFound(AppError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(AppError):
    status, code, title = 409, "conflict", "Conflict"


class InvalidInput(AppError):
    status, code, title = 422, "invalid_input", "Invalid input"


class ServiceUnavailable(AppError):
    status, code, title = 503, "unavailable", "Service unavailable"


class TransientError(AppError):
    """A failure worth retrying later (Xero 5xx, 429, timeouts, a lock held elsewhere).

    ``retry_after`` (seconds) is a hint for the job seam's backoff.
    """

    status, code, title = 503, "transient", "Temporarily unavailable"

    def __init__(self, detail: str | None = None, *, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
