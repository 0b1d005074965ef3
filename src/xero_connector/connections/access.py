"""What disconnecting needs from the token layer (``tokens.TokenService`` provides it)."""

from __future__ import annotations

from typing import Protocol


class GrantTokens(Protocol):
    """Fresh access tokens (refreshed on demand, race-free) and revoke-and-shred of a grant.

    Both open and commit their own sessions: call them with no uncommitted write of your own
    (SQLite has one writer).
    """

    async def access_token(self, grant_id: str) -> str:
        """A usable access token for ``grant_id``."""
        ...

    async def forget_grant(self, grant_id: str, *, revoke: bool) -> None:
        """Revoke at Xero (when ``revoke``) and crypto-shred; a failure leaves the grant as is."""
        ...
