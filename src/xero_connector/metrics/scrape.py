"""What happens at scrape time: refresh the gauges computed from the database, then render."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from xero_connector.db.repos.stats import connection_counts, parked_tenant_count
from xero_connector.logs import get_logger
from xero_connector.metrics.registry import render, set_connection_counts, set_parked_tenants

log = get_logger(__name__)


async def scrape(session_factory: async_sessionmaker[AsyncSession]) -> bytes:
    """The metrics text; the counters are still served when the database query fails."""
    try:
        async with session_factory() as session:
            set_connection_counts(await connection_counts(session))
            set_parked_tenants(await parked_tenant_count(session, datetime.now(UTC)))
    except Exception as exc:
        log.warning("metrics_connection_counts_failed", error=type(exc).__name__)
    return render()
