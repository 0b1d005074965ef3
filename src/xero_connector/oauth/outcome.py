"""What a callback ended in, and where the browser goes next."""

from __future__ import annotations

import re
from dataclasses import dataclass

from xero_connector.errors import BadRequest
from xero_connector.oauth.return_url import with_query

# Our own callback error codes (Xero's ``error`` values are passed through besides these).
EXCHANGE_FAILED = "exchange_failed"
INVALID_ID_TOKEN = "invalid_id_token"  # noqa: S105 (an error code)
NO_ORGANISATION = "no_organisation"
XERO_UNAVAILABLE = "xero_unavailable"
INTERNAL_ERROR = "internal_error"  # storing a consent Xero granted failed on our side

_XERO_ERROR = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def xero_error_code(value: str) -> str:
    """Xero's ``error`` parameter as we pass it on; anything odd-shaped becomes ``server_error``."""
    return value if _XERO_ERROR.fullmatch(value) else "server_error"


class InvalidState(BadRequest):
    """The callback's state is unknown, forged, expired or already used: 400, never a redirect."""

    code, title = "invalid_state", "Unknown, expired or already used authorization state"


class CallbackFailed(Exception):
    """A step of a callback with a valid state failed; ``code`` is what the user is told."""

    def __init__(self, code: str, reason: str, **detail: object) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class CallbackOutcome:
    """``connected`` with the connection ids, or ``error`` with an error code."""

    workspace_id: str
    return_url: str | None
    connection_ids: tuple[str, ...] = ()
    error: str | None = None

    @property
    def status(self) -> str:
        return "error" if self.error else "connected"

    def query(self) -> dict[str, str]:
        if self.error:
            return {"status": "error", "error": self.error}
        return {"status": "connected", "connection_ids": ",".join(self.connection_ids)}

    def redirect_url(self) -> str | None:
        """The ``return_url`` carrying the outcome, or None when there is none (show a page)."""
        return with_query(self.return_url, self.query()) if self.return_url else None
