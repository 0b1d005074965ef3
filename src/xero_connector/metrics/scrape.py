"""The gauges computed from the database and Redis: refreshed when the api's ``/metrics`` is
scraped, and every few seconds in a worker that serves its own metrics port."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from xero_connector.db.repos.stats import (
    connection_counts,
    oldest_pending_since,
    outbox_counts,
    parked_tenant_count,
)
from xero_connector.logs import get_logger
from xero_connector.metrics.registry import (
    OUTBOX_STATUSES,
    render,
    set_connection_counts,
    set_job_queue_depth,
    set_outbox_depth,
    set_parked_tenants,
)

log = get_logger(__name__)

QueueDepth = Callable[[], Awaitable[int]]
WORKER_REFRESH_SECONDS = 15.0
"""How often a worker refreshes the gauges it serves (Prometheus scrapes every 15-60 s)."""


async def refresh_gauges(
    session_factory: async_sessionmaker[AsyncSession], queue_depth: QueueDepth | None = None
) -> None:
    """Read the gauges again; a failing database or Redis leaves the last values (logged).

    ``queue_depth`` (the arq dispatcher's, with Redis) reads how many jobs wait in the queue.
    """
    now = datetime.now(UTC)
    try:
        async with session_factory() as session:
            set_connection_counts(await connection_counts(session))
            set_parked_tenants(await parked_tenant_count(session, now))
            since = await oldest_pending_since(session)
            set_outbox_depth(
                await outbox_counts(session, OUTBOX_STATUSES),
                (now - since).total_seconds() if since is not None else 0.0,
            )
    except Exception as exc:
        log.warning("metrics_database_gauges_failed", error=type(exc).__name__)
    if queue_depth is not None:
        try:
            set_job_queue_depth(await queue_depth())
        except Exception as exc:
            log.warning("metrics_queue_depth_failed", error=type(exc).__name__)


async def scrape(
    session_factory: async_sessionmaker[AsyncSession], queue_depth: QueueDepth | None = None
) -> bytes:
    """The metrics text, the gauges refreshed first; the counters are served whatever fails."""
    await refresh_gauges(session_factory, queue_depth)
    return render()


async def refresh_periodically(
    session_factory: async_sessionmaker[AsyncSession],
    queue_depth: QueueDepth | None = None,
    *,
    interval: float = WORKER_REFRESH_SECONDS,
) -> None:
    """Refresh the gauges every ``interval`` seconds until cancelled (a worker's task)."""
    while True:
        await refresh_gauges(session_factory, queue_depth)
        await asyncio.sleep(interval)
