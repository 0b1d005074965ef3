"""Reading connections, and the disconnect request (``connections.disconnect`` does the work)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.audit import Actor
from xero_connector.connections.disconnect import DisconnectWork
from xero_connector.connections.paging import Page, decode_cursor, encode_cursor
from xero_connector.db.models import Connection
from xero_connector.db.repos import connections as repo
from xero_connector.errors import NotFound


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
    """``DELETE /v1/connections/{id}``: mark it owed, commit, and make the first try at once."""

    work: DisconnectWork

    async def disconnect(
        self,
        session: AsyncSession,
        connection_id: str,
        *,
        visible: Callable[[str], bool],
        actor: str,
        source: str | None,
    ) -> None:
        """Disconnect (idempotent: an already disconnected connection is left as it is).

        The request's transaction is committed before Xero is called: the connection reads as
        disconnected and its work is owed whatever follows, and the token layer (own sessions)
        never waits on a write of ours. The first try then runs here, so a caller's 204 comes
        after Xero's DELETE (and the revocation) were attempted; what fails is retried by jobs.
        A repeated request works off whatever is owed and due by now.
        """
        by = Actor(actor, source)
        connection = await get_connection(session, connection_id, visible=visible)
        await self.work.mark_disconnected(session, connection, actor=by)
        await session.commit()
        await self.work.settle_connection(connection.id, actor=by, due_by=self.work.clock())
