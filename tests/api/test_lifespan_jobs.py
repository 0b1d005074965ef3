"""The app's lifespan owns dev's in-process job runner: started with the app, stopped with it."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from redis.asyncio import Redis

from tests.api.test_health import serve
from tests.conftest import REDIS_URL
from xero_connector.context import build_context
from xero_connector.jobs.arq_worker import ArqDispatcher
from xero_connector.jobs.inprocess import InProcessRunner
from xero_connector.main import create_app
from xero_connector.settings import Settings
from xero_connector.vault import generate_key_entry

DEAD_XERO = "http://127.0.0.1:1"  # nothing is due in an empty database: never called


def dev_settings(sqlite_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": sqlite_url,
        "redis_url": None,
        "keys": generate_key_entry(),
        "xero_client_id": "dev-client",
        "xero_client_secret": "dev-client-secret-for-tests",
        "xero_login_base": DEAD_XERO,
        "xero_identity_base": DEAD_XERO,
        "xero_api_base": DEAD_XERO,
    }
    return Settings.model_validate(values | overrides)


async def test_the_dev_lifespan_starts_the_runner_and_stops_it_leaving_no_task(
    sqlite_url: str,
) -> None:
    before = asyncio.all_tasks()
    app = create_app(dev_settings(sqlite_url))
    async with serve(app) as client:
        runner = app.state.context.in_process_runner
        assert isinstance(runner, InProcessRunner)
        assert runner.running
        response = await client.get("/readyz")
        assert response.json()["checks"] == {"database": "ok", "jobs": "ok"}
        await asyncio.sleep(0.05)  # the sweeper's first round runs at start
    assert not runner.running
    left = {task for task in asyncio.all_tasks() - before if not task.done()}
    assert left == set()


async def test_readyz_is_503_when_the_runner_stopped(sqlite_url: str) -> None:
    app = create_app(dev_settings(sqlite_url))
    async with serve(app) as client:
        runner = app.state.context.in_process_runner
        assert runner is not None
        await runner.stop()
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["jobs"] == "down"


async def test_without_xero_credentials_dev_has_no_runner(sqlite_url: str) -> None:
    app = create_app(Settings(database_url=sqlite_url, redis_url=None))
    async with serve(app) as client:
        assert app.state.context.dispatcher is None
        assert (await client.get("/readyz")).json()["checks"] == {"database": "ok"}


async def test_with_redis_the_api_enqueues_into_arq_and_runs_nothing_itself(
    sqlite_url: str,
) -> None:
    context = build_context(dev_settings(sqlite_url, redis_url=REDIS_URL))
    try:
        assert isinstance(context.dispatcher, ArqDispatcher)
        assert context.in_process_runner is None
        assert isinstance(context.redis, Redis)
    finally:
        await context.aclose()


@pytest.mark.parametrize("path", ["/healthz", "/metrics"])
async def test_probes_need_no_credential(sqlite_url: str, path: str) -> None:
    app = create_app(Settings(database_url=sqlite_url, redis_url=None))
    async with serve(app) as client:
        response: httpx.Response = await client.get(path)
    assert response.status_code == 200
