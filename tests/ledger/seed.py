"""Rows the ledger tests stand on: a grant and a connection of a workspace."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.base import new_id
from xero_connector.db.models import Connection, XeroGrant


async def seed_connection(
    session: AsyncSession, workspace_id: str = "ws-1", *, base_currency: str | None = "NZD"
) -> str:
    """A committed active connection (no tokens: the ledger never needs them); its id."""
    grant = XeroGrant(id=new_id(), workspace_id=workspace_id)
    session.add(grant)
    await session.flush()
    connection = Connection(
        id=new_id(),
        workspace_id=workspace_id,
        grant_id=grant.id,
        tenant_id=new_id(),
        xero_connection_id=new_id(),
        tenant_name="Org",
        base_currency=base_currency,
    )
    session.add(connection)
    await session.commit()
    return connection.id
