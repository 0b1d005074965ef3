"""SQL for ``connections``: one Xero organisation per workspace, listed with keyset pagination."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.models import Connection


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
