"""``xero_connector_job_queue_depth``: jobs waiting in Redis, read when ``/metrics`` is scraped."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import REDIS_URL
from tests.metrics.test_metrics import sample
from xero_connector.auth.authenticator import Authenticator
from xero_connector.context import AppContext
from xero_connector.jobs.arq_worker import ArqDispatcher, arq_redis
from xero_connector.main import create_app
from xero_connector.settings import Settings

DEPTH = "xero_connector_job_queue_depth"


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = arq_redis(REDIS_URL)
    yield client
    await client.aclose()


@pytest.fixture
async def dispatcher(redis: Redis) -> AsyncIterator[ArqDispatcher]:
    queue = f"xc-test-depth-{uuid.uuid4().hex[:10]}"
    yield ArqDispatcher(redis, queue)
    doomed = [key async for key in redis.scan_iter(match=f"*{queue}*")]
    if doomed:
        await redis.delete(*doomed)


async def client_over(
    sessions: async_sessionmaker[AsyncSession], dispatcher: ArqDispatcher | None
) -> httpx.AsyncClient:
    context = AppContext(
        session_factory=sessions,
        http=httpx.AsyncClient(),
        authenticator=Authenticator(),
        dispatcher=dispatcher,
    )
    transport = httpx.ASGITransport(create_app(Settings(), context=context))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def test_the_depth_counts_due_and_deferred_jobs_at_scrape_time(
    sessions: async_sessionmaker[AsyncSession], dispatcher: ArqDispatcher
) -> None:
    later = datetime.now(UTC) + timedelta(hours=1)
    async with await client_over(sessions, dispatcher) as client:
        assert await sample(client, DEPTH) == 0
        assert await dispatcher.enqueue("sweep", job_id="a")
        assert await dispatcher.enqueue("sweep", job_id="b", defer_until=later)
        assert await sample(client, DEPTH) == 2


async def test_an_unreachable_redis_leaves_the_rest_of_the_metrics_served(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    unreachable = arq_redis("redis://127.0.0.1:1/0")
    try:
        async with await client_over(sessions, ArqDispatcher(unreachable, "nowhere")) as client:
            response = await client.get("/metrics")
        assert response.status_code == 200
        assert "xero_connector_http_requests_total" in response.text
    finally:
        await unreachable.aclose()
