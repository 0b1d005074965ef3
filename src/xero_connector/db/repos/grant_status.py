"""Status changes of grants and connections made by the token lifecycle, with their audit rows.

Audit rows go through ``repos.audit.record_audit`` (actor ``system:<component>``); they hold
ids and reasons, never a token.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.models import Connection, XeroGrant
from xero_connector.db.repos.audit import record_audit


async def mark_grant_needs_reauth(
    session: AsyncSession, grant_id: str, *, generation: int, reason: str, at: datetime
) -> list[str]:
    """Mark the grant (if still at ``generation``) and its active connections ``needs_reauth``.

    Returns the ids of the connections changed; empty if the generation moved on (then someone
    else refreshed successfully and nothing is wrong).
    """
    result = await session.execute(
        update(XeroGrant)
        .where(
            XeroGrant.id == grant_id,
            XeroGrant.refresh_generation == generation,
            XeroGrant.status == "active",
        )
        .values(
            status="needs_reauth",
            last_error=reason[:500],
            refresh_started_at=None,
            next_attempt_at=None,
            updated_at=at,
        )
        .returning(XeroGrant.workspace_id)
        .execution_options(synchronize_session=False)
    )
    workspace_id = result.scalar_one_or_none()
    if workspace_id is None:
        return []
    changed = await session.execute(
        update(Connection)
        .where(Connection.grant_id == grant_id, Connection.status == "active")
        .values(status="needs_reauth", status_reason=reason[:500], updated_at=at)
        .returning(Connection.id)
        .execution_options(synchronize_session=False)
    )
    connection_ids = [row[0] for row in changed.all()]
    await record_audit(
        session,
        actor="system:token-refresh",
        action="grant.needs_reauth",
        workspace_id=workspace_id,
        target=f"grant:{grant_id}",
        result="needs_reauth",
        source="worker",
        detail={"reason": reason[:200], "connection_ids": connection_ids},
    )
    return connection_ids


async def mark_connection_disconnected_in_xero(
    session: AsyncSession, connection_id: str, *, reason: str, at: datetime
) -> bool:
    """Mark one active (or needs_reauth) connection ``disconnected`` by a change inside Xero.

    False when the connection is unknown or already disconnected (idempotent).
    """
    result = await session.execute(
        update(Connection)
        .where(Connection.id == connection_id, Connection.status != "disconnected")
        .values(
            status="disconnected",
            status_reason=reason[:500],
            disconnected_at=at,
            updated_at=at,
        )
        .returning(Connection.workspace_id)
        .execution_options(synchronize_session=False)
    )
    workspace_id = result.scalar_one_or_none()
    if workspace_id is None:
        return False
    await record_audit(
        session,
        actor="system:xero",
        action="connection.disconnected_in_xero",
        workspace_id=workspace_id,
        target=f"connection:{connection_id}",
        result="disconnected",
        source="worker",
        detail={"reason": reason[:200]},
    )
    return True
