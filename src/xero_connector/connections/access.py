"""Fresh access tokens for a grant, refreshing on demand.

``AccessTokens`` is the shape the token layer's ``TokenService`` provides (race-free refreshes
with fencing and grace-period recovery). ``PlainRefresh`` is a plain, single-process stand-in used
until that lands: it refreshes when the access token is about to expire and stores the new set.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.repos.grants import get_grant
from xero_connector.errors import NotFound
from xero_connector.oauth.grant_tokens import open_grant, seal_into_grant
from xero_connector.vault import Vault
from xero_connector.xero.identity import XeroIdentity


class AccessTokens(Protocol):
    """Something that hands out a usable access token for a grant."""

    async def access_token(self, session: AsyncSession, grant_id: str) -> str:
        """A non-expired access token of ``grant_id`` (refreshed and stored when needed)."""
        ...


class PlainRefresh:
    """Refresh on demand without cross-process fencing (see the module docstring)."""

    def __init__(
        self, *, identity: XeroIdentity, vault: Vault, margin: timedelta = timedelta(minutes=2)
    ) -> None:
        self._identity = identity
        self._vault = vault
        self._margin = margin

    async def access_token(self, session: AsyncSession, grant_id: str) -> str:
        grant = await get_grant(session, grant_id)
        if grant is None:
            raise NotFound(f"grant {grant_id} does not exist")
        tokens = open_grant(self._vault, grant)
        now = datetime.now(UTC)
        if tokens.expires_at - self._margin > now:
            return tokens.access_token
        fresh = await self._identity.refresh(tokens.refresh_token)
        seal_into_grant(self._vault, grant, fresh)
        grant.refresh_generation += 1
        grant.refreshed_at = now
        grant.updated_at = now
        await session.flush()
        return fresh.access_token
