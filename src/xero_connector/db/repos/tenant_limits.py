"""SQL for what Xero's limits and disconnects say about a tenant's connections."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.models import Connection
from xero_connector.db.repos.connections import LIVE_CONNECTION_STATUSES


async def park_tenant(session: AsyncSession, tenant_id: str, until: datetime) -> int:
    """Set ``rate_limited_until`` on every connection to the tenant (Xero's daily limit is per
    app and tenant, so every workspace's connection to it waits); the number changed."""
    result = await session.execute(
        update(Connection)
        .where(Connection.tenant_id == tenant_id)
        .values(rate_limited_until=until)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def unpark_tenant(session: AsyncSession, tenant_id: str, now: datetime) -> int:
    """Clear a ``rate_limited_until`` that has passed on the tenant's connections."""
    result = await session.execute(
        update(Connection)
        .where(Connection.tenant_id == tenant_id, Connection.rate_limited_until <= now)
        .values(rate_limited_until=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def live_connections_sharing(session: AsyncSession, connection_id: str) -> Sequence[str]:
    """Ids of the live connections naming the same Xero connection as ``connection_id`` (itself
    included): one Xero user's organisation connected into several workspaces."""
    own = await session.get(Connection, connection_id)
    if own is None:
        return []
    result = await session.execute(
        select(Connection.id).where(
            Connection.xero_connection_id == own.xero_connection_id,
            Connection.tenant_id == own.tenant_id,
            Connection.status.in_(LIVE_CONNECTION_STATUSES),
        )
    )
    return list(result.scalars().all())
