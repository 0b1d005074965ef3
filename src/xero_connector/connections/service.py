"""Reading and disconnecting connections.

Disconnect, in this order:
1. the connection is marked ``disconnected`` and that is committed at once (it stays readable);
2. Xero's ``DELETE /connections/{xero connection id}`` is attempted with a fresh access token (a
   refused one is refreshed once); a 404 counts as done; any failure leaves
   ``remote_delete_due_at`` set for a job to retry. It is NOT sent while another live connection
   (another workspace's) names the same Xero connection: that is audited and nothing stays owed;
3. only when no live connection uses the grant any more is the grant forgotten
   (``connections.forget``): its refresh token revoked and its ciphertext and data key destroyed
   (the token layer's ``forget_grant``, under the grant's refresh lock) or, while the same Xero
   user has a live connection on another grant, destroyed locally without revoking. A failed
   revocation sets ``revocation_due_at`` and keeps the ciphertext until a job revokes it.

Owed work is reported to ``owed`` (when given), which enqueues its retry job once the request's
transaction commits; the sweeper re-enqueues from the rows whatever is still owed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.audit import Actor, AuditAction, Target, audit
from xero_connector.connections.access import ConnectionDeleter, GrantTokens
from xero_connector.connections.forget import GrantFate, audit_local_shred, grant_fate
from xero_connector.connections.owed import OwedWork
from xero_connector.connections.paging import Page, decode_cursor, encode_cursor
from xero_connector.connections.remote_delete import delete_at_xero, skip_if_shared
from xero_connector.db.models import Connection
from xero_connector.db.repos import connections as repo
from xero_connector.db.repos.grants import get_grant, mark_revocation_due
from xero_connector.errors import AppError, NotFound
from xero_connector.logging import get_logger
from xero_connector.vault import VaultError

log = get_logger(__name__)


async def list_connections(
    session: AsyncSession, *, workspace_id: str, cursor: str | None, limit: int
) -> Page[Connection]:
    """One page of a workspace's connections, oldest first."""
    after = decode_cursor(cursor) if cursor else None
    rows = list(
        await repo.list_connections(
            session, workspace_id=workspace_id, after=after, limit=limit + 1
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].created_at, rows[-1].id) if more and rows else None
    return Page(items=rows, next_cursor=next_cursor)


async def get_connection(
    session: AsyncSession, connection_id: str, *, visible: Callable[[str], bool]
) -> Connection:
    """The connection, or 404 when it does not exist or belongs to a workspace not visible."""
    connection = await repo.get_connection(session, connection_id)
    if connection is None or not visible(connection.workspace_id):
        raise NotFound("no such connection")
    return connection


@dataclass(frozen=True)
class Disconnector:
    """Disconnects connections at Xero and forgets tokens nothing uses any more."""

    identity: ConnectionDeleter
    tokens: GrantTokens
    owed: OwedWork | None = None

    async def disconnect(
        self,
        session: AsyncSession,
        connection_id: str,
        *,
        visible: Callable[[str], bool],
        actor: str,
        source: str | None,
    ) -> None:
        """Disconnect (idempotent: an already disconnected connection is left as it is)."""
        by = Actor(actor, source)
        connection = await get_connection(session, connection_id, visible=visible)
        now = datetime.now(UTC)
        already = connection.status == "disconnected"
        if not already:
            connection.status = "disconnected"
            connection.status_reason = "disconnected on request"
            connection.disconnected_at = now
            connection.remote_delete_due_at = now  # owed until Xero confirms
            connection.updated_at = now
        await audit(
            session,
            by,
            AuditAction.CONNECTION_DISCONNECT,
            Target.connection(connection.id),
            connection.workspace_id,
            result="already_disconnected" if already else "ok",
            tenant_id=connection.tenant_id,
        )
        # Durable before we talk to Xero: the connection reads as disconnected whatever follows,
        # and the token layer (own sessions) never waits on a write of ours.
        await session.commit()
        if already:
            return
        await self._delete_at_xero(session, connection, actor=by)
        fate = await grant_fate(session, connection.grant_id)
        if fate is GrantFate.REVOKE:
            await self._revoke_and_shred(session, connection, actor=by)
        elif fate is GrantFate.SHRED:
            await self.tokens.forget_grant(connection.grant_id, revoke=False)
            await audit_local_shred(
                session, connection.grant_id, workspace_id=connection.workspace_id, actor=by
            )

    async def _delete_at_xero(
        self, session: AsyncSession, connection: Connection, *, actor: Actor
    ) -> None:
        now = datetime.now(UTC)
        if await skip_if_shared(session, connection, at=now, actor=actor):
            await session.commit()
            return
        try:
            await delete_at_xero(self.tokens, self.identity, connection)
        except (AppError, VaultError) as exc:
            log.warning(
                "remote_disconnect_owed", connection_id=connection.id, error=type(exc).__name__
            )
            if self.owed is not None and connection.remote_delete_due_at is not None:
                self.owed.remote_delete_owed(connection.id, connection.remote_delete_due_at)
            return
        connection.remote_delete_due_at = None
        connection.remote_deleted_at = datetime.now(UTC)
        await session.commit()

    async def _revoke_and_shred(
        self, session: AsyncSession, connection: Connection, *, actor: Actor
    ) -> None:
        grant = await get_grant(session, connection.grant_id)
        if grant is None or grant.token_ciphertext is None:
            return
        try:
            # Revocation removes the consent's connections at Xero: owed deletes are settled.
            await self.tokens.forget_grant(grant.id, revoke=True)
        except (AppError, VaultError) as exc:
            log.warning("revocation_owed", grant_id=grant.id, error=type(exc).__name__)
            due = datetime.now(UTC)
            await mark_revocation_due(session, grant.id, at=due, error=type(exc).__name__)
            if self.owed is not None:
                self.owed.revocation_owed(grant.id, due)
            result = "revocation_owed"
        else:
            result = "ok"
        await audit(
            session,
            actor,
            AuditAction.GRANT_REVOKE,
            Target.grant(grant.id),
            grant.workspace_id,
            result=result,
            reason="no live connection uses the grant",
        )
