"""Store what one consent brought: its grant (tokens sealed) and one connection per organisation.

Reconnecting an organisation the workspace already has updates that connection in place (same id,
new grant, active again). A previous grant that no live connection uses any more is destroyed
locally but NOT revoked at Xero: revoking it would remove the new consent's connections too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.audit import Actor, AuditAction, Target, audit
from xero_connector.connections.first_sync import after_connected
from xero_connector.db.base import new_id
from xero_connector.db.models import Connection, XeroGrant
from xero_connector.db.repos.connections import (
    add_connection,
    find_by_tenant,
    grant_has_live_connections,
)
from xero_connector.db.repos.grants import add_grant, get_grant, shred_grant
from xero_connector.oauth.flow import CALLBACK_ACTOR, OAuthFlow
from xero_connector.tokens.sealing import seal_into
from xero_connector.xero.identity import TenantConnection
from xero_connector.xero.tokenset import TokenSet


async def store_consent(
    session: AsyncSession,
    flow: OAuthFlow,
    *,
    workspace_id: str,
    tokens: TokenSet,
    claims: dict[str, Any],
    tenants: list[TenantConnection],
    now: datetime,
) -> tuple[str, ...]:
    """Write the grant and its connections (flushed, not committed); return the connection ids."""
    grant = XeroGrant(
        id=new_id(),
        workspace_id=workspace_id,
        xero_user_id=str(claims["xero_userid"]) if claims.get("xero_userid") else None,
        auth_event_id=tokens.authentication_event_id,
        refreshed_at=now,
        # Connecting is a use: the first sync follows, so refresh-ahead (not only the keep-alive)
        # looks after the grant from the start.
        last_used_at=now,
        created_at=now,
        updated_at=now,
        status="active",
    )
    seal_into(flow.vault, grant, tokens)
    await add_grant(session, grant)

    connection_ids: list[str] = []
    replaced_grants: set[str] = set()
    for tenant in tenants:
        connection = await find_by_tenant(
            session, workspace_id=workspace_id, tenant_id=tenant.tenant_id
        )
        if connection is None:
            connection = Connection(id=new_id(), workspace_id=workspace_id, created_at=now)
            _point_at(connection, grant, tenant, now)
            await add_connection(session, connection)
        else:
            replaced_grants.add(connection.grant_id)
            _point_at(connection, grant, tenant, now)
        connection_ids.append(connection.id)
    await session.flush()

    for old_grant_id in sorted(replaced_grants):
        await _forget_unused_grant(session, old_grant_id, workspace_id=workspace_id, now=now)
    await after_connected(session, connection_ids)
    return tuple(connection_ids)


def _point_at(
    connection: Connection, grant: XeroGrant, tenant: TenantConnection, now: datetime
) -> None:
    connection.grant_id = grant.id
    connection.tenant_id = tenant.tenant_id
    connection.xero_connection_id = tenant.id
    connection.auth_event_id = tenant.auth_event_id
    connection.tenant_name = tenant.tenant_name
    connection.tenant_type = tenant.tenant_type
    connection.status = "active"
    connection.status_reason = None
    connection.disconnected_at = None
    # A remote delete still owed from an earlier disconnect would now remove the new connection.
    connection.remote_delete_due_at = None
    connection.updated_at = now


async def _forget_unused_grant(
    session: AsyncSession, grant_id: str, *, workspace_id: str, now: datetime
) -> None:
    """Shred a replaced grant locally when nothing live uses it; never revoke it (see above)."""
    old = await get_grant(session, grant_id)
    if old is None or old.status == "shredded":
        return
    if await grant_has_live_connections(session, grant_id):
        return
    await shred_grant(session, grant_id, at=now)
    await audit(
        session,
        Actor(CALLBACK_ACTOR),
        AuditAction.GRANT_SHRED,
        Target.grant(grant_id),
        workspace_id,
        reason="replaced by a new consent; not revoked at Xero",
    )
