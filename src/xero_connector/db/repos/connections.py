"""SQL for ``connections``: one Xero organisation per workspace, listed with keyset pagination."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.models import Connection, XeroGrant
from xero_connector.db.repos.grants import LIVE_CONNECTION_STATUSES


async def add_connection(session: AsyncSession, connection: Connection) -> Connection:
    session.add(connection)
    await session.flush()
    return connection


async def get_connection(session: AsyncSession, connection_id: str) -> Connection | None:
    return await session.get(Connection, connection_id)


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


async def xero_connection_shared(session: AsyncSession, connection: Connection) -> bool:
    """True while another live connection row carries the same Xero connection id.

    Xero keeps one connection per (user, app, organisation): when one Xero user connects the
    same organisation into two workspaces, both rows name the same Xero connection, and deleting
    it at Xero for one would cut off the other.
    """
    query = select(
        exists().where(
            Connection.xero_connection_id == connection.xero_connection_id,
            Connection.id != connection.id,
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
