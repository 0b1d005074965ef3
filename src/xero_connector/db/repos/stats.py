"""Aggregate queries behind the metrics gauges (one cheap GROUP BY each)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.models import Connection, Record


async def connection_counts(session: AsyncSession) -> dict[str, int]:
    """``{status: number of connections}`` over all workspaces."""
    result = await session.execute(
        select(Connection.status, func.count()).group_by(Connection.status)
    )
    return {status: int(count) for status, count in result.all()}


async def parked_tenant_count(session: AsyncSession, now: datetime) -> int:
    """Xero tenants parked by their daily limit now (``rate_limited_until`` in the future)."""
    query = select(func.count(func.distinct(Connection.tenant_id))).where(
        Connection.rate_limited_until > now
    )
    return int(await session.scalar(query) or 0)


async def outbox_counts(session: AsyncSession, statuses: Sequence[str]) -> dict[str, int]:
    """``{status: number of records}`` for ``statuses`` (synced left out: it only grows)."""
    result = await session.execute(
        select(Record.status, func.count())
        .where(Record.status.in_(statuses))
        .group_by(Record.status)
    )
    return {status: int(count) for status, count in result.all()}


async def oldest_pending_since(session: AsyncSession) -> datetime | None:
    """When the longest-pending record last changed (became pending); None when none is."""
    since: datetime | None = await session.scalar(
        select(func.min(Record.updated_at)).where(Record.status == "pending")
    )
    return since
