"""Part of the composition root (``context``): the Accounting API client and its rate limiter
from settings.

With a Redis URL (``api``/``worker``, any number of processes) the limiter's state lives in
Redis, namespaced by the Xero app's client id; without (``dev``: one process) in this process.
"""

from __future__ import annotations

import httpx
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from xero_connector.settings import Settings
from xero_connector.tokens.service import TokenService
from xero_connector.xero.client import XeroApiClient
from xero_connector.xero.limiter import LimitConfig, Limiter, MemoryBackend
from xero_connector.xero.limiter.redis_backend import RedisBackend
from xero_connector.xero.tenant_status import TenantStatus


def limit_config(settings: Settings) -> LimitConfig:
    return LimitConfig(
        tenant_concurrency=settings.xero_tenant_concurrency,
        tenant_minute=settings.xero_tenant_minute_limit,
        tenant_day=settings.xero_tenant_day_limit,
        app_minute=settings.xero_app_minute_limit,
        time_scale=settings.xero_limit_time_scale,
        margin_seconds=settings.xero_limit_margin_seconds,
        lease_seconds=settings.xero_limit_lease_seconds,
    )


def build_limiter(settings: Settings) -> Limiter:
    """Redis-backed when ``XERO_CONNECTOR_REDIS_URL`` is set, in-process otherwise."""
    config = limit_config(settings)
    if settings.redis_url:
        redis = Redis.from_url(settings.redis_url)
        namespace = settings.xero_client_id or "no-client-id"
        return Limiter(RedisBackend(redis, config, namespace=namespace, owns_redis=True))
    return Limiter(MemoryBackend(config))


def xero_api_client(
    settings: Settings,
    *,
    http: httpx.AsyncClient,
    tokens: TokenService,
    session_factory: async_sessionmaker[AsyncSession],
) -> XeroApiClient:
    """The process's one Accounting API client (its limiter is made here too)."""
    return XeroApiClient(
        http=http,
        tokens=tokens,
        limiter=build_limiter(settings),
        status=TenantStatus(session_factory),
        api_base=settings.xero_api_base,
        timeout=settings.xero_timeout_seconds,
    )
