"""Xero's ``DELETE /connections/{id}`` for one of our connections, with a refused token renewed.

Used by the disconnect request and by the owed-delete job alike, so both follow the same rules:
- a Xero connection that another live connection row still names is never deleted (Xero keeps
  one connection per user, app and organisation; the other workspace relies on it);
- an access token Xero refuses (401) is replaced by a refresh once and the delete sent again; a
  second refusal is the caller's to classify.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.audit import Actor, AuditAction, Target, audit
from xero_connector.connections.access import ConnectionDeleter, GrantTokens
from xero_connector.db.models import Connection
from xero_connector.db.repos.connections import xero_connection_shared
from xero_connector.xero.errors import XeroAuthError

SHARED_REASON = "another live connection uses the same Xero connection; not deleted at Xero"


async def delete_at_xero(
    tokens: GrantTokens, remote: ConnectionDeleter, connection: Connection
) -> None:
    """Delete the connection at Xero with its grant's token; a 404 counts as done (``remote``)."""
    access_token = await tokens.access_token(connection.grant_id)
    try:
        await remote.delete_connection(access_token, connection.xero_connection_id)
    except XeroAuthError:
        fresh = await tokens.refreshed_access_token(connection.grant_id, refused=access_token)
        await remote.delete_connection(fresh, connection.xero_connection_id)


async def skip_if_shared(
    session: AsyncSession,
    connection: Connection,
    *,
    at: datetime,
    actor: Actor,
) -> bool:
    """If another live row shares the Xero connection: record the skip (audited, flushed).

    Nothing stays owed for it: the delete becomes due again only when this connection is
    disconnected anew. Run after the disconnect committed, so that of two workspaces
    disconnecting at once at least one sees the other disconnected (a second delete is a 404).
    """
    if not await xero_connection_shared(session, connection):
        return False
    connection.remote_delete_due_at = None
    connection.updated_at = at
    await audit(
        session,
        actor,
        AuditAction.CONNECTION_REMOTE_DELETE,
        Target.connection(connection.id),
        connection.workspace_id,
        result="skipped",
        reason=SHARED_REASON,
    )
    return True
