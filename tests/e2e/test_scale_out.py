"""Scale-out as an operator runs it: Postgres, Redis, ``sandbox``, ``migrate``, ``api-keys create``,
``api`` and ``worker`` as separate processes, each started with its own command."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from arq.connections import RedisSettings, create_pool

from tests.conftest import PG_ADMIN_DSN, REDIS_URL
from tests.e2e.connector import APP_ORIGIN, Connector, Sandbox, connect_through_xero, outcome_of
from tests.e2e.consent import ALICE, AU
from tests.e2e.processes import command_env, free_port, run_command, started, wait_http

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CLIENT_ID = "e2e-scale-out-app"
CLIENT_SECRET = "e2e-scale-out-client-secret-0a1b2c3d"
ACCESS_TOKEN_SECONDS = 120
SWEEP_SECONDS = 1


@pytest.fixture
async def empty_database() -> AsyncIterator[tuple[str, str]]:
    """A brand-new, empty Postgres database (``migrate`` creates the schema); its async URL."""
    name = f"xc_e2e_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = PG_ADMIN_DSN.rsplit("/", 1)[0]
    try:
        yield base.replace("postgresql://", "postgresql+asyncpg://", 1) + f"/{name}", name
    finally:
        admin = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture
async def queue_name() -> AsyncIterator[str]:
    """A queue of this test's own on the shared Redis; its keys are deleted afterwards."""
    name = f"xc-e2e-{uuid.uuid4().hex[:10]}"
    yield name
    redis = await create_pool(RedisSettings.from_dsn(REDIS_URL))
    try:
        doomed = [key async for key in redis.scan_iter(match=f"*{name}*")]
        if doomed:
            await redis.delete(*doomed)
    finally:
        await redis.aclose()


async def wait_for(what: str, check: Any, seconds: float) -> Any:
    """Poll ``check()`` until it returns something truthy, for at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        found = await check()
        if found:
            return found
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.25)


async def grant_row(database_url: str, name: str) -> asyncpg.Record:
    dsn = PG_ADMIN_DSN.rsplit("/", 1)[0] + f"/{name}"
    connection = await asyncpg.connect(dsn)
    try:
        row = await connection.fetchrow(
            "SELECT status, refresh_generation, token_ciphertext IS NULL AS shredded "
            "FROM xero_grants"
        )
    finally:
        await connection.close()
    assert row is not None, database_url
    return row


async def test_the_worker_refreshes_ahead_and_a_disconnect_revokes_at_xero(
    tmp_path: Path,
    empty_database: tuple[str, str],
    queue_name: str,
    http: httpx.AsyncClient,
) -> None:
    database_url, database_name = empty_database
    api_port, sandbox_port = free_port(), free_port()
    origin = f"http://127.0.0.1:{sandbox_port}"
    keys = run_command(["keys", "generate"], cwd=tmp_path, env=command_env()).strip()
    env = command_env(
        XERO_CONNECTOR_DATABASE_URL=database_url,
        XERO_CONNECTOR_REDIS_URL=REDIS_URL,
        XERO_CONNECTOR_KEYS=keys,
        XERO_CONNECTOR_XERO_CLIENT_ID=CLIENT_ID,
        XERO_CONNECTOR_XERO_CLIENT_SECRET=CLIENT_SECRET,
        XERO_CONNECTOR_XERO_LOGIN_BASE=origin,
        XERO_CONNECTOR_XERO_IDENTITY_BASE=origin,
        XERO_CONNECTOR_XERO_API_BASE=origin,
        XERO_CONNECTOR_RETURN_URL_ORIGINS=APP_ORIGIN,
        XERO_CONNECTOR_QUEUE_NAME=queue_name,
        XERO_CONNECTOR_SWEEP_INTERVAL_SECONDS=str(SWEEP_SECONDS),
        # A grant nobody has used yet is refreshed by the keep-alive, not by the in-use margin:
        # shorten the keep-alive so the first refresh comes within seconds, well before expiry.
        XERO_CONNECTOR_KEEPALIVE_AFTER_SECONDS="3",
    )
    sandbox_args = [
        "sandbox",
        *("--port", str(sandbox_port)),
        *("--client", f"{CLIENT_ID}:{CLIENT_SECRET}"),
        *("--access-token-seconds", str(ACCESS_TOKEN_SECONDS)),
    ]

    with ExitStack() as stack:
        xero = stack.enter_context(started(sandbox_args, cwd=tmp_path, env=command_env()))
        run_command(["migrate"], cwd=tmp_path, env=env)
        created = run_command(
            ["api-keys", "create", "--name", "e2e", "--role", "service"], cwd=tmp_path, env=env
        )
        api_key = created.strip().splitlines()[-1]
        api = stack.enter_context(started(["api", "--port", str(api_port)], cwd=tmp_path, env=env))
        stack.enter_context(started(["worker"], cwd=tmp_path, env=env))
        wait_http(f"{origin}/_sandbox/stats", xero)
        connector = Connector(f"http://127.0.0.1:{api_port}", api_key, http)
        wait_http(f"{connector.base}/readyz", api)
        sandbox = Sandbox(origin, http)

        outcome = outcome_of(await connect_through_xero(connector, "ws-alice-scale", ALICE))
        (connection_id,) = outcome["connection_ids"].split(",")
        (grant,) = (await sandbox.state())["grants"]

        async def rotated() -> int:
            return int((await sandbox.stats())["rotations"].get(grant["grant_id"], 0))

        await wait_for("the worker's refresh", rotated, seconds=30)
        stats = await sandbox.stats()
        assert stats["invalid_grant"] == {}
        assert stats["grace_reuses"] == {}  # every refresh used the newest refresh token
        row = await grant_row(database_url, database_name)
        assert row["status"] == "active"
        assert row["refresh_generation"] >= 1
        listed = (await connector.connection(connection_id)).json()
        assert (listed["tenant_id"], listed["status"]) == (AU, "active")

        assert (await connector.disconnect(connection_id)).status_code == 204

        assert await sandbox.connections_of(ALICE.email) == {}
        (revoked,) = (await sandbox.state())["grants"]
        assert (revoked["grant_id"], revoked["revoked"]) == (grant["grant_id"], True)
        assert (await grant_row(database_url, database_name))["shredded"]
        assert (await connector.connection(connection_id)).json()["status"] == "disconnected"
        await asyncio.sleep(3 * SWEEP_SECONDS)  # the worker keeps sweeping: nothing is due
        stats = await sandbox.stats()
        assert stats["invalid_grant"] == {}
        assert stats["schema_violations"] == 0
        assert stats["breaches_total"] == 0
