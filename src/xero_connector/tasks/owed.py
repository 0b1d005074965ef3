"""Work owed to Xero after a disconnect: the remote connection delete and the revocation.

Both are recorded in the database first (``connections.remote_delete_due_at``,
``xero_grants.revocation_due_at``); these tasks settle them and are safe to run any number of
times. Transient Xero failures propagate (the seam retries; the sweeper re-enqueues later).

Each run re-checks the rules of the disconnect request against the rows as they are now: a Xero
connection another live row names is not deleted, and a grant whose Xero user is live on another
grant is destroyed locally instead of revoked (``connections.forget``).
"""

from __future__ import annotations

import logging
from typing import Any

from xero_connector.audit import Actor, AuditAction, Target, audit
from xero_connector.connections.forget import GrantFate, audit_local_shred, grant_fate
from xero_connector.connections.remote_delete import delete_at_xero, skip_if_shared
from xero_connector.db.models import Connection
from xero_connector.db.repos import connections, grants
from xero_connector.errors import AppError
from xero_connector.tasks.context import TaskResources, resources
from xero_connector.tokens.errors import GrantUnavailable
from xero_connector.vault import VaultError
from xero_connector.xero.errors import XeroAuthError, XeroDisconnected

log = logging.getLogger(__name__)

OWED_WORK = Actor("owed-work")


async def delete_remote_connection(ctx: dict[str, Any], connection_id: str) -> str:
    """Send Xero's ``DELETE /connections/{id}`` owed for a connection (404 counts as done).

    Skipped (nothing owed any more) while another live connection names the same Xero
    connection. A refused access token (401) is refreshed once and the delete resent. If the
    grant can no longer give out tokens (needs reauth, shredded) or Xero refuses the fresh token
    too, the delete cannot be made by us: it is settled as not done, audited and logged. Once
    settled, the grant's fate is decided again (it may have waited for this delete).
    """
    res = resources(ctx)
    async with res.session_factory() as session:
        connection = await connections.read_connection(session, connection_id)
        if connection is None or connection.remote_delete_due_at is None:
            return "nothing owed"
        shared = await skip_if_shared(session, connection, at=res.clock(), actor=OWED_WORK)
        await session.commit()
    if shared:
        log.info("remote delete of connection %s skipped: shared at Xero", connection_id)
        outcome = "shared"
    else:
        outcome = await _delete(res, connection)
    await _forget_if_unused(res, connection.grant_id, connection.workspace_id)
    return outcome


async def _delete(res: TaskResources, connection: Connection) -> str:
    reason: str | None = None
    try:
        await delete_at_xero(res.tokens, res.remote, connection)
    except GrantUnavailable as exc:
        reason = exc.code
    except XeroAuthError:
        reason = "access_token_refused"
    except XeroDisconnected:
        pass  # already removed inside Xero
    async with res.session_factory() as session:
        await connections.settle_remote_delete(
            session, connection.id, deleted=reason is None, at=res.clock()
        )
        if reason is not None:
            await audit(
                session,
                OWED_WORK,
                AuditAction.CONNECTION_REMOTE_DELETE,
                Target.connection(connection.id),
                connection.workspace_id,
                result="abandoned",
                reason=reason,
            )
        await session.commit()
    if reason is None:
        return "deleted"
    log.warning(
        "remote delete of connection %s abandoned (%s): it may still be connected at Xero",
        connection.id,
        reason,
    )
    return "abandoned"


async def _forget_if_unused(res: TaskResources, grant_id: str, workspace_id: str) -> None:
    """After a settled delete: forget the grant if nothing uses it and no revocation is owed."""
    async with res.session_factory() as session:
        grant = await grants.read_grant(session, grant_id)
        if grant is None or grant.revocation_due_at is not None:
            return  # the revocation job decides
        fate = await grant_fate(session, grant_id)
    if fate is GrantFate.SHRED:
        await _shred_locally(res, grant_id, workspace_id)
    elif fate is GrantFate.REVOKE:
        try:
            await res.tokens.forget_grant(grant_id, revoke=True)
        except (AppError, VaultError) as exc:
            async with res.session_factory() as session:
                grant = await grants.read_grant(session, grant_id)
                if grant is not None:  # the sweeper enqueues the owed revocation
                    await grants.mark_revocation_due(
                        session, grant_id, at=res.clock(), error=type(exc).__name__
                    )
                    await session.commit()


async def _shred_locally(res: TaskResources, grant_id: str, workspace_id: str) -> None:
    await res.tokens.forget_grant(grant_id, revoke=False)
    async with res.session_factory() as session:
        await audit_local_shred(session, grant_id, workspace_id=workspace_id, actor=OWED_WORK)
        await session.commit()
    log.info("grant %s shredded without revoking: its Xero user is live elsewhere", grant_id)


async def revoke_grant(ctx: dict[str, Any], grant_id: str) -> str:
    """Revoke the grant's refresh token at Xero, then crypto-shred it.

    Refuses (and cancels the owed revocation) if a live connection still uses the grant:
    revoking would remove that connection at Xero too. Destroys the grant locally instead of
    revoking while the same Xero user has a live connection on another grant, or leaves that to
    the owed-delete job while a delete of its connections is still owed.
    """
    res = resources(ctx)
    async with res.session_factory() as session:
        grant = await grants.read_grant(session, grant_id)
        if grant is None or grant.revocation_due_at is None:
            return "nothing owed"
        workspace_id = grant.workspace_id
        fate = await grant_fate(session, grant_id)
        if fate in (GrantFate.IN_USE, GrantFate.WAIT):
            log.warning("revocation of grant %s cancelled (%s)", grant_id, fate.value)
            await grants.cancel_revocation(session, grant_id)
            await session.commit()
            return "cancelled"
    if fate is GrantFate.SHRED:
        await _shred_locally(res, grant_id, workspace_id)
        return "shredded"
    await res.tokens.forget_grant(grant_id, revoke=True)
    return "revoked"
