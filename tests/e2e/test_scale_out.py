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
from tests.e2e.connector import Sandbox
from tests.e2e.consent import ALICE, AU, consent_as
from tests.e2e.processes import Service, command_env, free_port, started_shell, wait_http
from tests.e2e.quickstart import SCALE_OUT_BLOCKS, Quickstart

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SWEEP_SECONDS = 1  # as the quickstart's worker command sets it


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


async def grant_row(name: str) -> asyncpg.Record:
    """The one grant row of database ``name``."""
    dsn = PG_ADMIN_DSN.rsplit("/", 1)[0] + f"/{name}"
    connection = await asyncpg.connect(dsn)
    try:
        row = await connection.fetchrow(
            "SELECT status, refresh_generation, token_ciphertext IS NULL AS shredded "
            "FROM xero_grants"
        )
    finally:
        await connection.close()
    assert row is not None
    return row


async def test_the_worker_refreshes_ahead_and_a_disconnect_revokes_at_xero(
    tmp_path: Path,
    empty_database: tuple[str, str],
    queue_name: str,
    http: httpx.AsyncClient,
) -> None:
    """docs/quickstart.md's scale-out part, command by command, as an operator runs it."""
    database_url, database_name = empty_database
    doc = Quickstart(free_port(), free_port(), database_url=database_url)
    origin = f"http://127.0.0.1:{doc.sandbox_port}"
    env = command_env(
        **doc.exported("scale-out-env", cwd=tmp_path, env=command_env()),
        XERO_CONNECTOR_QUEUE_NAME=queue_name,  # this run's own queue on the shared Redis
    )
    assert env["XERO_CONNECTOR_REDIS_URL"] == REDIS_URL

    with ExitStack() as stack:

        def start(block: str) -> Service:
            return stack.enter_context(
                started_shell(doc.command(block), cwd=tmp_path, env=env, name=block)
            )

        xero = start("scale-out-sandbox")
        setup = doc.run("scale-out-setup", cwd=tmp_path, env=env)
        api_key = setup.strip().splitlines()[-1]
        api = start("scale-out-api")
        start("scale-out-worker")
        wait_http(f"{origin}/_sandbox/stats", xero)
        wait_http(f"http://127.0.0.1:{doc.api_port}/readyz", api)
        sandbox = Sandbox(origin, http)
        env["API_KEY"] = api_key

        link = doc.run_json("connect", cwd=tmp_path, env=env)
        callback_url = await consent_as(http, link["authorize_url"], ALICE)
        page = await http.get(callback_url, follow_redirects=False)
        assert page.status_code == 200
        assert "Connected to Xero" in page.text
        (connection,) = doc.run_json("list", cwd=tmp_path, env=env)["items"]
        assert (connection["tenant_id"], connection["status"]) == (AU, "active")
        (grant,) = (await sandbox.state())["grants"]

        async def rotated() -> int:
            stats = doc.run_json("sandbox-stats", cwd=tmp_path, env=env)
            return int(stats["rotations"].get(grant["grant_id"], 0))

        await wait_for("the worker's refresh", rotated, seconds=30)
        stats = await sandbox.stats()
        assert stats["invalid_grant"] == {}
        assert stats["grace_reuses"] == {}  # every refresh used the newest refresh token
        row = await grant_row(database_name)
        assert row["status"] == "active"
        assert row["refresh_generation"] >= 1

        env["CONNECTION_ID"] = connection["id"]
        assert doc.run("disconnect", cwd=tmp_path, env=env).strip() == "204"

        state = doc.run_json("sandbox-state", cwd=tmp_path, env=env)
        assert state["connections"] == []
        assert [(g["grant_id"], g["revoked"]) for g in state["grants"]] == [
            (grant["grant_id"], True)
        ]
        assert (await grant_row(database_name))["shredded"]
        assert doc.run_json("list", cwd=tmp_path, env=env)["items"][0]["status"] == "disconnected"
        await asyncio.sleep(3 * SWEEP_SECONDS)  # the worker keeps sweeping: nothing is due
        stats = await sandbox.stats()
        assert stats["invalid_grant"] == {}
        assert stats["schema_violations"] == 0
        assert stats["breaches_total"] == 0
    assert doc.used >= SCALE_OUT_BLOCKS
