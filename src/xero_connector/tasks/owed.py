"""Work owed to Xero after a disconnect: the remote connection delete and the revocation.

Both are recorded in the database first (``connections.remote_delete_due_at``,
``xero_grants.revocation_due_at``); these tasks settle them and are safe to run any number of
times. Transient Xero failures propagate (the seam retries; the sweeper re-enqueues later).
"""

from __future__ import annotations

import logging
from typing import Any

from xero_connector.db.repos import grant_refresh, grants, owed_work
from xero_connector.tasks.context import resources
from xero_connector.tokens.errors import GrantUnavailable
from xero_connector.xero.errors import XeroDisconnected

log = logging.getLogger(__name__)


async def delete_remote_connection(ctx: dict[str, Any], connection_id: str) -> str:
    """Send Xero's ``DELETE /connections/{id}`` owed for a connection (404 counts as done).

    If the grant can no longer give out tokens (needs reauth, shredded), the delete cannot be
    made with this consent and is settled as not done.
    """
    res = resources(ctx)
    async with res.session_factory() as session:
        connection = await owed_work.read_connection(session, connection_id)
    if connection is None or connection.remote_delete_due_at is None:
        return "nothing owed"
    deleted = True
    try:
        access_token = await res.tokens.access_token(connection.grant_id)
        await res.remote.delete_connection(access_token, connection.xero_connection_id)
    except GrantUnavailable as exc:
        log.warning("remote delete of connection %s abandoned: %s", connection_id, exc.code)
        deleted = False
    except XeroDisconnected:
        pass  # already removed inside Xero
    async with res.session_factory() as session:
        await owed_work.settle_remote_delete(
            session, connection_id, deleted=deleted, at=res.clock()
        )
        await session.commit()
    return "deleted" if deleted else "abandoned"


async def revoke_grant(ctx: dict[str, Any], grant_id: str) -> str:
    """Revoke the grant's refresh token at Xero, then crypto-shred it.

    Refuses (and cancels the owed revocation) if a live connection still uses the grant:
    revoking would remove that connection at Xero too.
    """
    res = resources(ctx)
    async with res.session_factory() as session:
        grant = await grant_refresh.read_grant(session, grant_id)
        if grant is None or grant.revocation_due_at is None:
            return "nothing owed"
        if await grants.grant_has_live_connections(session, grant_id):
            log.warning("revocation of grant %s cancelled: a live connection uses it", grant_id)
            await owed_work.cancel_revocation(session, grant_id)
            await session.commit()
            return "cancelled"
    await res.tokens.forget_grant(grant_id, revoke=True)
    return "revoked"
