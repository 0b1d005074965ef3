"""What disconnecting needs from the token layer and from Xero's ``/connections``."""

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

    async def refreshed_access_token(self, grant_id: str, *, refused: str) -> str:
        """An access token other than ``refused`` (Xero answered 401 to it)."""
        ...

    async def forget_grant(self, grant_id: str, *, revoke: bool) -> None:
        """Revoke at Xero (when ``revoke``) and crypto-shred; a failure leaves the grant as is."""
        ...


class ConnectionDeleter(Protocol):
    """Xero's ``DELETE /connections/{id}`` (``xero.identity.XeroIdentity``)."""

    async def delete_connection(self, access_token: str, connection_id: str) -> None: ...
