"""Scale-out: Postgres, Redis, two ``xero-connector worker`` processes and the sandbox over HTTP.
Workers are SIGKILLed at random points of a sync and started again; every record still lands
in the sandbox exactly once, and the shared (Redis) limiter keeps the tenant inside its limits.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from arq.connections import RedisSettings, create_pool
from pydantic import SecretStr

from tests.conftest import REDIS_URL, MakeDatabase
from tests.connector_app import make_api_key
from tests.mappings.conftest import AU, CONNECTOR_CALLBACK
from tests.sync.sandbox_support import SyncConnector
from tests.sync.test_sandbox_sync import TIME_SCALE, assert_exactly_once, backlog, map_all
from tests.tokens.sandbox_support import (
    CLIENT_ID,
    CLIENT_SECRET,
    SandboxServer,
    run_sandbox,
    subprocess_env,
)
from xero_connector.auth.authenticator import Authenticator
from xero_connector.context import AppContext, xero_services
from xero_connector.db.engine import make_engine, make_session_factory
from xero_connector.jobs.arq_worker import ArqDispatcher, arq_redis
from xero_connector.jobs.inprocess import InProcessRunner
from xero_connector.main import create_app
from xero_connector.settings import DEFAULT_SCOPES, Settings
from xero_connector.vault.keyring import generate_key_entry

pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    extra = ("--auto-approve", "carol", "--time-scale", str(TIME_SCALE), "--hang-seconds", "3")
    with run_sandbox(grace_seconds=1800, extra=extra) as running:
        yield running


@dataclass
class Workers:
    env: dict[str, str]
    running: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self) -> None:
        self.running.append(
            subprocess.Popen(
                [sys.executable, "-m", "xero_connector", "worker"],
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )

    def kill_one(self) -> None:
        victim = self.running.pop(random.randrange(len(self.running)))
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait()

    def stop(self) -> None:
        for process in self.running:
            process.terminate()
        for process in self.running:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
async def scale_out(
    server: SandboxServer, make_database: MakeDatabase
) -> AsyncIterator[tuple[SyncConnector, Workers]]:
    database_url = await make_database()
    queue = f"xc-test-sync-{uuid.uuid4().hex[:10]}"
    keys = generate_key_entry()
    env = subprocess_env(
        XERO_CONNECTOR_DATABASE_URL=database_url,
        XERO_CONNECTOR_REDIS_URL=REDIS_URL,
        XERO_CONNECTOR_QUEUE_NAME=queue,
        XERO_CONNECTOR_KEYS=keys,
        XERO_CONNECTOR_XERO_LIMIT_TIME_SCALE=str(TIME_SCALE),
        XERO_CONNECTOR_XERO_TIMEOUT_SECONDS="2",
        XERO_CONNECTOR_REFRESH_LOCK_WAIT_SECONDS="4",
        XERO_CONNECTOR_SYNC_SLICE_SECONDS="2",
        XERO_CONNECTOR_SYNC_DEBOUNCE_SECONDS="0.5",
        XERO_CONNECTOR_SWEEP_INTERVAL_SECONDS="1",
        XERO_CONNECTOR_LOG_LEVEL="WARNING",
        **server.xero_env(),
    )
    settings = Settings(
        database_url=database_url,
        redis_url=REDIS_URL,
        keys=SecretStr(keys),
        xero_client_id=CLIENT_ID,
        xero_client_secret=SecretStr(CLIENT_SECRET),
        xero_login_base=server.origin,
        xero_identity_base=server.origin,
        xero_api_base=server.origin,
        xero_limit_time_scale=TIME_SCALE,
        xero_timeout_seconds=2,
    )
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    http = httpx.AsyncClient(timeout=10.0)
    (await http.post(f"{server.origin}/_sandbox/reset")).raise_for_status()
    services = xero_services(settings, engine=engine, session_factory=sessions, http=http)
    redis = arq_redis(REDIS_URL)
    context = AppContext(
        session_factory=sessions,
        http=http,
        authenticator=Authenticator(),
        vault=services.vault,
        token_service=services.tokens,
        xero_identity=services.identity,
        xero_redirect_uri=CONNECTOR_CALLBACK,
        xero_scopes=tuple(DEFAULT_SCOPES.split()),
        dispatcher=ArqDispatcher(redis, queue),
        xero_api=services.api,
        redis=redis,
        engine=engine,
    )
    key = await make_api_key(context)
    workers = Workers(env)
    workers.start()
    workers.start()
    transport = httpx.ASGITransport(create_app(settings, context=context))
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://connector.test"
        ) as client:
            yield (
                SyncConnector(
                    client,
                    {"Authorization": f"Bearer {key}"},
                    InProcessRunner({}),  # nothing runs here: the workers run every job
                    server,
                    http,
                    sessions,
                    [],
                ),
                workers,
            )
    finally:
        workers.stop()
        await context.aclose()
        pool = await create_pool(RedisSettings.from_dsn(REDIS_URL))
        doomed = [k async for k in pool.scan_iter(match=f"*{queue}*")]
        if doomed:
            await pool.delete(*doomed)
        await pool.aclose()


async def test_workers_killed_mid_sync_and_restarted_leave_every_record_exactly_once(
    scale_out: tuple[SyncConnector, Workers],
) -> None:
    connector, workers = scale_out
    connections = await connector.connect()
    connection_id = connections[AU]
    for _ in range(200):  # the workers pull the settings the mappings are checked against
        if (await connector.get(f"/v1/connections/{connection_id}")).get("settings_pulled_at"):
            break
        await asyncio.sleep(0.1)
    await map_all(connector, connection_id, AU)
    await backlog(connector, connection_id, contacts=150, documents=600)
    total = 150 + 600 + 300
    for kill in range(3):  # at random points: mid-contacts, mid-documents, wherever
        target = random.randint(total * kill // 4 + 20, total * (kill + 1) // 4)
        for _ in range(1200):
            if (await connector.statuses(connection_id))["synced"] >= target:
                break
            await asyncio.sleep(0.05)
        workers.kill_one()
        workers.start()
    run = await connector.settled(connection_id, within=300)
    assert run["status"] == "succeeded", run
    runs = await connector.get(f"/v1/connections/{connection_id}/syncs", limit="100")
    assert all(r["status"] in ("succeeded", "partial", "failed") for r in runs["items"]), runs
    assert await connector.statuses(connection_id) == {"synced": total}
    assert_exactly_once(
        await connector.documents(AU), {"contacts": 150, "invoices": 600, "bank_transactions": 300}
    )
    stats = await connector.stats()
    assert stats["breaches_total"] == 0, stats["breaches"]
