"""SQL for work owed to Xero: remote connection deletes and refresh-token revocations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.models import Connection, XeroGrant


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


async def owed_revocations(
    session: AsyncSession, *, now: datetime, limit: int
) -> list[tuple[str, datetime]]:
    """``(grant id, due at)`` of refresh-token revocations owed by now."""
    result = await session.execute(
        select(XeroGrant.id, XeroGrant.revocation_due_at)
        .where(XeroGrant.revocation_due_at <= now)
        .order_by(XeroGrant.revocation_due_at)
        .limit(limit)
    )
    return [(row[0], row[1]) for row in result.all() if row[1] is not None]


async def read_connection(session: AsyncSession, connection_id: str) -> Connection | None:
    result = await session.execute(
        select(Connection)
        .where(Connection.id == connection_id)
        .execution_options(populate_existing=True)
    )
    return result.scalar_one_or_none()


async def settle_remote_delete(
    session: AsyncSession, connection_id: str, *, deleted: bool, at: datetime
) -> None:
    """The owed remote delete is done (``deleted``) or can no longer be made."""
    await session.execute(
        update(Connection)
        .where(Connection.id == connection_id)
        .values(
            remote_delete_due_at=None,
            remote_deleted_at=at if deleted else None,
            updated_at=at,
        )
        .execution_options(synchronize_session=False)
    )


async def cancel_revocation(session: AsyncSession, grant_id: str) -> None:
    await session.execute(
        update(XeroGrant)
        .where(XeroGrant.id == grant_id)
        .values(revocation_due_at=None)
        .execution_options(synchronize_session=False)
    )
