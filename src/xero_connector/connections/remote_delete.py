"""Xero's ``DELETE /connections/{id}`` for one owed delete, as read from its row.

- A Xero connection that another live connection row still names is never deleted (Xero keeps
  one connection per user, app and organisation; the other workspace relies on it).
- An access token Xero refuses (401) is replaced by a refresh once and the delete sent again; a
  second refusal is the caller's to classify.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.audit import Actor, AuditAction, Target, audit
from xero_connector.connections.access import ConnectionDeleter, GrantTokens
from xero_connector.db.repos import connections
from xero_connector.db.repos.connections import OwedDelete
from xero_connector.xero.errors import XeroAuthError

SHARED_REASON = "another live connection uses the same Xero connection; not deleted at Xero"


async def delete_at_xero(tokens: GrantTokens, remote: ConnectionDeleter, owed: OwedDelete) -> None:
    """Delete the connection at Xero with its grant's token; a 404 counts as done (``remote``)."""
    access_token = await tokens.access_token(owed.grant_id)
    try:
        await remote.delete_connection(access_token, owed.xero_connection_id)
    except XeroAuthError:
        fresh = await tokens.refreshed_access_token(owed.grant_id, refused=access_token)
        await remote.delete_connection(fresh, owed.xero_connection_id)


async def skip_if_shared(
    session: AsyncSession, owed: OwedDelete, *, at: datetime, actor: Actor
) -> bool:
    """True (send nothing) while another live row shares the Xero connection; the delete is
    then settled as skipped (audited).

    Nothing stays owed for it: the delete becomes due again only when this connection is
    disconnected anew. Run after the disconnect committed, so that of two workspaces
    disconnecting at once at least one sees the other disconnected (a second delete is a 404).
    """
    shared = await connections.xero_connection_shared(
        session, owed.xero_connection_id, but=owed.connection_id
    )
    if not shared:
        return False
    if await connections.settle_remote_delete(session, owed, deleted=False, at=at):
        await audit_remote_delete(session, owed, actor, "skipped", reason=SHARED_REASON)
    # else the row changed meanwhile (settled elsewhere, or re-made): not ours to touch
    return True


async def audit_remote_delete(
    session: AsyncSession, owed: OwedDelete, actor: Actor, result: str, **detail: int | str
) -> None:
    """The audit event of a remote delete not made: ``skipped``, ``abandoned`` or ``gave_up``."""
    await audit(
        session,
        actor,
        AuditAction.CONNECTION_REMOTE_DELETE,
        Target.connection(owed.connection_id),
        owed.workspace_id,
        result=result,
        **detail,
    )
