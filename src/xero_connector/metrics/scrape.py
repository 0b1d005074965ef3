"""What happens at scrape time: refresh the gauges computed from the database, then render."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from xero_connector.db.repos.stats import connection_counts, parked_tenant_count
from xero_connector.logs import get_logger
from xero_connector.metrics.registry import (
    render,
    set_connection_counts,
    set_job_queue_depth,
    set_parked_tenants,
)

log = get_logger(__name__)


async def scrape(
    session_factory: async_sessionmaker[AsyncSession],
    queue_depth: Callable[[], Awaitable[int]] | None = None,
) -> bytes:
    """The metrics text; the counters are still served when the database or Redis fails.

    ``queue_depth`` (the arq dispatcher's, with Redis) reads how many jobs wait in the queue.
    """
    try:
        async with session_factory() as session:
            set_connection_counts(await connection_counts(session))
            set_parked_tenants(await parked_tenant_count(session, datetime.now(UTC)))
    except Exception as exc:
        log.warning("metrics_connection_counts_failed", error=type(exc).__name__)
    if queue_depth is not None:
        try:
            set_job_queue_depth(await queue_depth())
        except Exception as exc:
            log.warning("metrics_queue_depth_failed", error=type(exc).__name__)
    return render()
