"""What the tenant client records in the database when Xero says so: disconnects and day parks.

Each write opens and commits its own session (the caller's transaction, if any, is not touched):
a disconnect or a park must stick even when the caller's work then fails.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from xero_connector.db.base import utcnow
from xero_connector.db.repos import connections
from xero_connector.logs import get_logger
from xero_connector.tokens.disconnects import mark_disconnected_in_xero

log = get_logger(__name__)


class TenantStatus:
    """Disconnects (403 AuthenticationUnsuccessful) and daily-limit parks, written at once."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = session_factory
        self._parked: set[str] = set()  # tenants this process parked (cleared on their next OK)

    async def disconnected(self, connection_id: str) -> list[str]:
        """Mark the connection, and the live ones sharing its Xero connection, disconnected."""
        async with self._sessions() as session:
            ids = await connections.live_connections_sharing(session, connection_id)
            changed = [cid for cid in ids if await mark_disconnected_in_xero(session, cid)]
            await session.commit()
        log.info("xero_tenant_disconnected", connections=len(changed))
        return changed

    async def parked(self, tenant_id: str, until: datetime) -> None:
        """Show ``rate_limited_until`` on every connection to the tenant."""
        async with self._sessions() as session:
            await connections.park_tenant(session, tenant_id, until)
            await session.commit()
        self._parked.add(tenant_id)
        log.warning("xero_tenant_parked", tenant_id=tenant_id, until=until.isoformat())

    async def answered(self, tenant_id: str) -> None:
        """A call of the tenant succeeded: clear a park of ours that has passed."""
        if tenant_id not in self._parked:
            return
        self._parked.discard(tenant_id)
        async with self._sessions() as session:
            await connections.unpark_tenant(session, tenant_id, utcnow())
            await session.commit()
