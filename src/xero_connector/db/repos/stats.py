"""Aggregate queries behind the metrics gauges (one cheap GROUP BY each)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.models import Connection


async def connection_counts(session: AsyncSession) -> dict[str, int]:
    """``{status: number of connections}`` over all workspaces."""
    result = await session.execute(
        select(Connection.status, func.count()).group_by(Connection.status)
    )
    return {status: int(count) for status, count in result.all()}
