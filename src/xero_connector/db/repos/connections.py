"""SQL for ``connections``: one Xero organisation per workspace, listed with keyset pagination."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from xero_connector.db.models import Connection, XeroGrant

LIVE_CONNECTION_STATUSES = ("active", "needs_reauth")


@dataclass(frozen=True)
class OwedDelete:
    """An owed remote delete as its row was read: what is sent to Xero, and the values every
    write that settles it compares against (a row a reconnect re-made never matches)."""

    connection_id: str
    workspace_id: str
    grant_id: str
    xero_connection_id: str
    attempts: int

    @classmethod
    def of(cls, row: Connection) -> OwedDelete:
        return cls(
            row.id,
            row.workspace_id,
            row.grant_id,
            row.xero_connection_id,
            row.remote_delete_attempts,
        )


async def add_connection(session: AsyncSession, connection: Connection) -> Connection:
    session.add(connection)
    await session.flush()
    return connection


async def get_connection(session: AsyncSession, connection_id: str) -> Connection | None:
    return await session.get(Connection, connection_id)


async def read_connection(session: AsyncSession, connection_id: str) -> Connection | None:
    """The connection as the database has it now (never a stale identity-map copy)."""
    result = await session.execute(
        select(Connection)
        .where(Connection.id == connection_id)
        .execution_options(populate_existing=True)
    )
    return result.scalar_one_or_none()


async def find_by_tenant(
    session: AsyncSession, *, workspace_id: str, tenant_id: str
) -> Connection | None:
    """The workspace's connection to this Xero organisation, whatever its status."""
    result = await session.execute(
        select(Connection).where(
            Connection.workspace_id == workspace_id, Connection.tenant_id == tenant_id
        )
    )
    return result.scalar_one_or_none()


async def list_connections(
    session: AsyncSession,
    *,
    workspace_id: str,
    after: tuple[datetime, str] | None,
    limit: int,
) -> Sequence[Connection]:
    """Up to ``limit`` connections of a workspace, oldest first, after ``(created_at, id)``."""
    query = (
        select(Connection)
        .where(Connection.workspace_id == workspace_id)
        .order_by(Connection.created_at, Connection.id)
        .limit(limit)
    )
    if after is not None:
        created_at, connection_id = after
        query = query.where(
            or_(
                Connection.created_at > created_at,
                and_(Connection.created_at == created_at, Connection.id > connection_id),
            )
        )
    result = await session.execute(query)
    return result.scalars().all()


async def connections_of_grant(session: AsyncSession, grant_id: str) -> Sequence[Connection]:
    result = await session.execute(select(Connection).where(Connection.grant_id == grant_id))
    return result.scalars().all()


async def xero_connection_shared(
    session: AsyncSession, xero_connection_id: str, *, but: str
) -> bool:
    """True while a live connection row other than ``but`` carries this Xero connection id.

    Xero keeps one connection per (user, app, organisation): when one Xero user connects the
    same organisation into two workspaces, both rows name the same Xero connection, and deleting
    it at Xero for one would cut off the other.
    """
    query = select(
        exists().where(
            Connection.xero_connection_id == xero_connection_id,
            Connection.id != but,
            Connection.status.in_(LIVE_CONNECTION_STATUSES),
        )
    )
    return bool(await session.scalar(query))


async def grant_has_owed_remote_deletes(session: AsyncSession, grant_id: str) -> bool:
    """True while a connection of this grant still owes Xero its ``DELETE /connections``."""
    query = select(
        exists().where(
            Connection.grant_id == grant_id, Connection.remote_delete_due_at.is_not(None)
        )
    )
    return bool(await session.scalar(query))


async def grant_has_live_connections(session: AsyncSession, grant_id: str) -> bool:
    """True while a connection that is not disconnected still uses this grant."""
    query = select(
        exists().where(
            Connection.grant_id == grant_id,
            Connection.status.in_(LIVE_CONNECTION_STATUSES),
        )
    )
    return bool(await session.scalar(query))


async def same_user_live_elsewhere(session: AsyncSession, grant: XeroGrant) -> bool:
    """True while a live connection on ANOTHER grant belongs to the same Xero user.

    Revoking a refresh token removes, at Xero, the connections of every organisation its consent
    covered, including ones a later consent of the same user re-used (Xero keeps one connection
    per user, app and organisation). Such a grant must be destroyed locally, never revoked.
    A grant without a known Xero user still counts a live row on another grant that names one of
    its own Xero connections.
    """
    other_grant = aliased(XeroGrant)
    own_xero_connections = select(Connection.xero_connection_id).where(
        Connection.grant_id == grant.id
    )
    same_user = (
        other_grant.xero_user_id == grant.xero_user_id
        if grant.xero_user_id is not None
        else false()
    )
    query = select(
        exists()
        .where(
            Connection.grant_id == other_grant.id,
            Connection.grant_id != grant.id,
            Connection.status.in_(LIVE_CONNECTION_STATUSES),
        )
        .where(or_(same_user, Connection.xero_connection_id.in_(own_xero_connections)))
    )
    return bool(await session.scalar(query))


async def owed_remote_deletes(
    session: AsyncSession, *, now: datetime, limit: int
) -> list[tuple[str, datetime]]:
    """``(connection id, due at)`` of Xero ``DELETE /connections`` calls owed by now."""
    result = await session.execute(
        select(Connection.id, Connection.remote_delete_due_at)
        .where(Connection.remote_delete_due_at <= now)
        .order_by(Connection.remote_delete_due_at)
        .limit(limit)
    )
    return [(row[0], row[1]) for row in result.all() if row[1] is not None]


def _still_owed(owed: OwedDelete) -> Any:
    """The row is still disconnected with this very delete owed, as it was read."""
    return and_(
        Connection.id == owed.connection_id,
        Connection.status == "disconnected",
        Connection.remote_delete_due_at.is_not(None),
        Connection.grant_id == owed.grant_id,
        Connection.xero_connection_id == owed.xero_connection_id,
        Connection.remote_delete_attempts == owed.attempts,
    )


async def settle_remote_delete(
    session: AsyncSession, owed: OwedDelete, *, deleted: bool, at: datetime
) -> bool:
    """The owed delete is done (``deleted``) or will not be made; False if the row changed."""
    result = await session.execute(
        update(Connection)
        .where(_still_owed(owed))
        .values(
            remote_delete_due_at=None,
            remote_delete_attempts=0,
            remote_deleted_at=at if deleted else None,
            updated_at=at,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def book_remote_delete_retry(
    session: AsyncSession, owed: OwedDelete, *, due_at: datetime
) -> bool:
    """Count a failed attempt and set the next one's time; False if the row changed."""
    result = await session.execute(
        update(Connection)
        .where(_still_owed(owed))
        .values(remote_delete_due_at=due_at, remote_delete_attempts=owed.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def mark_grant_connections_needs_reauth(
    session: AsyncSession, grant_id: str, *, reason: str, at: datetime
) -> list[str]:
    """Mark the grant's active connections ``needs_reauth``; the ids of those changed."""
    changed = await session.execute(
        update(Connection)
        .where(Connection.grant_id == grant_id, Connection.status == "active")
        .values(status="needs_reauth", status_reason=reason[:500], updated_at=at)
        .returning(Connection.id)
        .execution_options(synchronize_session=False)
    )
    return [row[0] for row in changed.all()]


async def mark_disconnected_in_xero(
    session: AsyncSession, connection_id: str, *, reason: str, at: datetime
) -> str | None:
    """Mark one live connection ``disconnected`` by a change inside Xero; its workspace id.

    None when the connection is unknown or already disconnected (idempotent).
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
    return result.scalar_one_or_none()


async def consent_reaches_live_connections(
    session: AsyncSession, *, xero_user_id: str | None, xero_connection_ids: Sequence[str]
) -> bool:
    """True while a live row names one of these Xero connections or belongs to this Xero user.

    Revoking a consent removes, at Xero, its user's connections to every organisation it covered,
    also ones an earlier consent of the same user made: such a consent must not be revoked.
    """
    same_user = (
        select(XeroGrant.id).where(XeroGrant.xero_user_id == xero_user_id)
        if xero_user_id is not None
        else None
    )
    reaches: ColumnElement[bool] = Connection.xero_connection_id.in_(list(xero_connection_ids))
    if same_user is not None:
        reaches = or_(reaches, Connection.grant_id.in_(same_user))
    query = select(exists().where(Connection.status.in_(LIVE_CONNECTION_STATUSES), reaches))
    return bool(await session.scalar(query))


# -- what Xero's limits and disconnects say about a tenant's connections (the tenant client)


async def park_tenant(session: AsyncSession, tenant_id: str, until: datetime) -> int:
    """Set ``rate_limited_until`` on every connection to the tenant (Xero's daily limit is per
    app and tenant, so every workspace's connection to it waits); the number changed."""
    result = await session.execute(
        update(Connection)
        .where(Connection.tenant_id == tenant_id)
        .values(rate_limited_until=until)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def unpark_tenant(session: AsyncSession, tenant_id: str, now: datetime) -> int:
    """Clear a ``rate_limited_until`` that has passed on the tenant's connections."""
    result = await session.execute(
        update(Connection)
        .where(Connection.tenant_id == tenant_id, Connection.rate_limited_until <= now)
        .values(rate_limited_until=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def live_connections_sharing(session: AsyncSession, connection_id: str) -> Sequence[str]:
    """Ids of the live connections naming the same Xero connection as ``connection_id`` (itself
    included): one Xero user's organisation connected into several workspaces."""
    own = await session.get(Connection, connection_id)
    if own is None:
        return []
    result = await session.execute(
        select(Connection.id).where(
            Connection.xero_connection_id == own.xero_connection_id,
            Connection.tenant_id == own.tenant_id,
            Connection.status.in_(LIVE_CONNECTION_STATUSES),
        )
    )
    return list(result.scalars().all())
