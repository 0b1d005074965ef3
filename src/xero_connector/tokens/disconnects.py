"""Connections disconnected from inside Xero.

A user can remove our app from an organisation inside Xero. We learn it from a 403
``AuthenticationUnsuccessful`` on a tenant call (``xero.errors.XeroDisconnected``) or from the
tenant missing in ``GET /connections``; either way that connection becomes ``disconnected``
(its grant may stay healthy and serve its other organisations).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.audit import XERO, AuditAction, Target, audit
from xero_connector.db.base import utcnow
from xero_connector.db.repos import connections

DISCONNECTED_IN_XERO = "disconnected from inside Xero"


async def mark_disconnected_in_xero(
    session: AsyncSession, connection_id: str, *, at: datetime | None = None
) -> bool:
    """Mark the connection ``disconnected`` with an audit event; the caller commits.

    Call it when a tenant call raised ``XeroDisconnected``. Idempotent: False if it was already
    disconnected (or does not exist).
    """
    workspace_id = await connections.mark_disconnected_in_xero(
        session, connection_id, reason=DISCONNECTED_IN_XERO, at=at or utcnow()
    )
    if workspace_id is None:
        return False
    await audit(
        session,
        XERO,
        AuditAction.CONNECTION_DISCONNECTED_IN_XERO,
        Target.connection(connection_id),
        workspace_id,
        result="disconnected",
        reason=DISCONNECTED_IN_XERO,
    )
    return True


async def mark_missing_tenants(
    session: AsyncSession, grant_id: str, tenant_ids_at_xero: set[str], *, at: datetime
) -> list[str]:
    """Disconnect the grant's live connections whose tenant Xero no longer lists; their ids."""
    changed: list[str] = []
    for connection in await connections.connections_of_grant(session, grant_id):
        if connection.status == "disconnected" or connection.tenant_id in tenant_ids_at_xero:
            continue
        if await mark_disconnected_in_xero(session, connection.id, at=at):
            changed.append(connection.id)
    return changed
