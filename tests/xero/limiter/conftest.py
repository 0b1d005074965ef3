"""One limiter test suite, run against both backends: in-process and Redis."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

import pytest
from redis.asyncio import Redis

from tests.conftest import REDIS_URL
from xero_connector.xero.limiter import LimitConfig, MemoryBackend
from xero_connector.xero.limiter.backend import LimiterBackend
from xero_connector.xero.limiter.redis_backend import RedisBackend

# A minute of Xero time is one real second here (the margin adds 1/60 s).
FAST = LimitConfig(time_scale=60.0, margin_seconds=1.0, lease_seconds=5.0, poll_seconds=0.02)

MakeBackend = Callable[..., LimiterBackend]


@pytest.fixture(params=["memory", "redis"])
async def make_backend(request: pytest.FixtureRequest) -> AsyncIterator[MakeBackend]:
    """``make_backend(**limits)``: a fresh backend of the parametrised kind (own Redis keys)."""
    redis: Redis | None = None
    namespaces: list[str] = []
    if request.param == "redis":
        redis = Redis.from_url(REDIS_URL)

    def make(**limits: Any) -> LimiterBackend:
        config = replace(FAST, **limits)
        if redis is None:
            return MemoryBackend(config)
        namespace = f"test-{uuid.uuid4().hex[:12]}"
        namespaces.append(namespace)
        return RedisBackend(redis, config, namespace=namespace)

    yield make
    if redis is not None:
        for namespace in namespaces:
            async for key in redis.scan_iter(match=f"{{xero-limits:{namespace}}}*"):
                await redis.delete(key)
        await redis.aclose()
