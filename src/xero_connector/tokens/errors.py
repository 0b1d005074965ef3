"""Errors of the token layer.

AppError
├── GrantUnavailable (409)        the grant cannot give out tokens
│   ├── GrantNotFound (404)       no such grant
│   ├── GrantNeedsReauth          Xero refused the refresh token: the user must reconnect
│   └── GrantShredded             its tokens were destroyed (disconnected)
└── TransientError (503)
    ├── RefreshBusy               another process holds the grant's refresh lock for too long
    └── RefreshBackingOff         a failed refresh set a backoff that is still running

Messages carry grant ids only, never a token.
"""

from __future__ import annotations

from xero_connector.errors import AppError, TransientError


class GrantUnavailable(AppError):
    status, code, title = 409, "grant_unavailable", "The Xero connection cannot be used"

    def __init__(self, grant_id: str, detail: str | None = None) -> None:
        super().__init__(detail or f"grant {grant_id}: {self.title}")
        self.grant_id = grant_id


class GrantNotFound(GrantUnavailable):
    status, code, title = 404, "grant_not_found", "No such Xero grant"


class GrantNeedsReauth(GrantUnavailable):
    code, title = "needs_reauth", "Xero refused the refresh token; reconnect to Xero"


class GrantShredded(GrantUnavailable):
    code, title = "grant_shredded", "The tokens of this connection were destroyed"


class RefreshBusy(TransientError):
    code, title = "refresh_busy", "Another process is refreshing this grant"


class RefreshBackingOff(TransientError):
    code, title = "refresh_backing_off", "Xero's token endpoint failed lately; waiting to retry"

    def __init__(self, grant_id: str, *, retry_after: float) -> None:
        super().__init__(
            f"grant {grant_id}: the last refresh failed; next try in {retry_after:.0f}s",
            retry_after=retry_after,
        )
