"""Liveness and readiness: /readyz names what is down."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from redis.asyncio import Redis

from tests.conftest import REDIS_URL
from xero_connector.auth.authenticator import Authenticator
from xero_connector.context import AppContext
from xero_connector.db.engine import make_engine, make_session_factory
from xero_connector.main import create_app
from xero_connector.settings import Settings

DEAD_PG = "postgresql+asyncpg://postgres@127.0.0.1:1/none"
DEAD_REDIS = "redis://127.0.0.1:1/0"


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


def context_for(database_url: str, redis_url: str | None) -> AppContext:
    engine = make_engine(database_url)
    return AppContext(
        session_factory=make_session_factory(engine),
        http=httpx.AsyncClient(),
        authenticator=Authenticator(),
        redis=Redis.from_url(redis_url) if redis_url else None,
        engine=engine,
    )


async def readyz(database_url: str, redis_url: str | None) -> httpx.Response:
    """``GET /readyz`` of an app given a context on these URLs (closed afterwards)."""
    context = context_for(database_url, redis_url)
    try:
        async with serve(create_app(Settings(), context=context)) as client:
            return await client.get("/readyz")
    finally:
        await context.aclose()


async def test_healthz_answers_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_checks_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


async def test_readyz_checks_redis_when_configured(pg_url: str) -> None:
    response = await readyz(pg_url, REDIS_URL)
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


async def test_readyz_is_503_naming_redis_when_it_is_down(pg_url: str) -> None:
    response = await readyz(pg_url, DEAD_REDIS)
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["detail"] == "down: redis"
    assert body["checks"] == {"database": "ok", "redis": "down"}


async def test_readyz_is_503_naming_the_database_when_it_is_down() -> None:
    response = await readyz(DEAD_PG, None)
    assert response.status_code == 503
    assert response.json()["detail"] == "down: database"


async def test_the_lifespan_builds_and_closes_its_own_context(sqlite_url: str) -> None:
    app = create_app(Settings(database_url=sqlite_url, redis_url=None))
    async with serve(app) as client:
        assert (await client.get("/readyz")).json()["checks"] == {"database": "ok"}
        assert app.state.context is not None
    assert app.state.context is None
