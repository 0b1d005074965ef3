"""The connector deployed as in scale-out, for fault tests: the ``api`` process and two ``worker``
processes (``xero-connector api|worker``), on a Postgres database and a Redis the test names,
against a sandbox subprocess over HTTP. The test plays the platform over real HTTP
(``SyncConnector``) and counts what arrived through the sandbox's inspection endpoints.

Every fault test has the same shape: connect carol's AU organisation, map it, ingest a few hundred
mixed records (``MIX``), do something nasty while the sync runs, then ``settle``: every run final
and succeeded, every record synced, every record in the sandbox exactly once.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from arq.connections import RedisSettings, create_pool
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.e2e.processes import Service, free_port, started, wait_http
from tests.e2e.test_scale_out import wait_for
from tests.mappings.conftest import AU
from tests.sync.sandbox_support import SyncConnector
from tests.sync.test_sandbox_sync import (
    TIME_SCALE,
    assert_exactly_once,
    bank_transaction,
    contact,
    invoice,
    map_all,
    ours,
)
from tests.tokens.sandbox_support import SandboxServer, run_sandbox, subprocess_env
from xero_connector.auth.api_keys import issue_api_key
from xero_connector.auth.policy import Role
from xero_connector.db.engine import make_engine, make_session_factory
from xero_connector.jobs.inprocess import InProcessRunner
from xero_connector.vault.keyring import generate_key_entry

CONTACTS, DOCUMENTS = 60, 200  # invoices; half as many bank transactions
MIX = {"contacts": CONTACTS, "invoices": DOCUMENTS, "bank_transactions": DOCUMENTS // 2}
TOTAL = sum(MIX.values())
FINAL = ("succeeded", "partial", "failed")
SETTLED = ("synced", "failed", "blocked")  # record statuses no run will change by itself
# Small batches and some latency at the sandbox: a sync of MIX takes a few seconds, long enough
# for a fault to land in the middle of it.
BATCH_SIZE = 10
SANDBOX_LATENCY_MS = 400


@dataclass
class Rig:
    """A running deployment and the platform's client of it."""

    connector: SyncConnector
    sandbox: SandboxServer
    api: Service
    workers: list[Service]
    api_origin: str

    async def connected_and_mapped(self) -> str:
        """Carol connects; once the workers pulled AU's settings it is mapped; its id."""
        connection_id = (await self.connector.connect())[AU]

        async def pulled() -> bool:
            read = await self.connector.get(f"/v1/connections/{connection_id}")
            return bool(read.get("settings_pulled_at"))

        await wait_for("the first settings pull", pulled, seconds=60)
        await map_all(self.connector, connection_id, AU)
        await wait_for("the first run's end", lambda: self._all_final(connection_id), seconds=60)
        return connection_id

    async def ingest_mix(self, connection_id: str) -> None:
        """Ingest ``MIX``, contacts first: a run started between two calls finds no document
        whose contact the connector has never heard of (that one would stay blocked, and the
        run end ``partial``). The debounced run follows."""
        ingest = self.connector.ingest
        await ingest(connection_id, "contact", [contact(n) for n in range(CONTACTS)])
        await ingest(connection_id, "invoice", [invoice(n, n % CONTACTS) for n in range(DOCUMENTS)])
        bank_transactions = [bank_transaction(n, n % CONTACTS) for n in range(DOCUMENTS // 2)]
        await ingest(connection_id, "bank_transaction", bank_transactions)

    async def _all_final(self, connection_id: str) -> bool:
        return all(run["status"] in FINAL for run in await self.runs(connection_id))

    async def landed(self) -> int:
        """How many of our records the sandbox holds now (of any kind, duplicates included)."""
        return sum(len(found) for found in ours(await self.connector.documents(AU)).values())

    async def wait_landed(self, at_least: int, seconds: float = 120) -> None:
        async def enough() -> bool:
            return await self.landed() >= at_least

        await wait_for(f"{at_least} records at the sandbox", enough, seconds)

    async def runs(self, connection_id: str) -> list[dict[str, Any]]:
        listed = await self.connector.get(f"/v1/connections/{connection_id}/syncs", limit="100")
        return list(listed["items"])

    async def settle(self, connection_id: str, *, seconds: float = 240) -> list[dict[str, Any]]:
        """Wait until every run is final and no record is still on its way; then check the end
        state: every run succeeded, every record synced, each exactly once at the sandbox."""

        async def quiet() -> list[dict[str, Any]] | None:
            runs = await self.runs(connection_id)
            if not runs or any(run["status"] not in FINAL for run in runs):
                return None
            statuses = await self.connector.statuses(connection_id)
            return runs if set(statuses) <= set(SETTLED) else None

        try:
            runs: list[dict[str, Any]] = await wait_for("every run final", quiet, seconds)
        except AssertionError as exc:
            state = (await self.runs(connection_id), await self.connector.statuses(connection_id))
            raise AssertionError(f"{exc}: runs and record statuses {state}") from None
        statuses = await self.connector.statuses(connection_id)
        failed = await self.connector.records(connection_id, status="failed")
        assert statuses == {"synced": TOTAL}, (statuses, failed[:3])
        assert [run["status"] for run in runs] == ["succeeded"] * len(runs), runs
        assert_exactly_once(await self.connector.documents(AU), MIX)
        return runs

    def alive(self) -> bool:
        """The processes the test started are still the same, running ones (none restarted)."""
        return all(s.process.poll() is None for s in (self.api, *self.workers))


def deployment_env(
    sandbox: SandboxServer, *, database_url: str, redis_url: str, queue: str, **extra: str
) -> dict[str, str]:
    """The settings every process of the deployment shares (short timeouts, fast sweeps)."""
    settings = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "QUEUE_NAME": queue,
        "KEYS": generate_key_entry(),
        "XERO_LIMIT_TIME_SCALE": str(TIME_SCALE),
        "XERO_TIMEOUT_SECONDS": "2",
        "REFRESH_LOCK_WAIT_SECONDS": "4",
        # access tokens last 1800 sandbox seconds, 30 real ones at TIME_SCALE: a margin under
        # that (the default, 600, would make every call refresh first)
        "REFRESH_MARGIN_SECONDS": "10",
        "SYNC_SLICE_SECONDS": "2",
        "SYNC_DEBOUNCE_SECONDS": "0.5",
        "SWEEP_INTERVAL_SECONDS": "1",
        "LOG_LEVEL": "WARNING",
        **extra,
    }
    return subprocess_env(
        **{f"XERO_CONNECTOR_{name}": value for name, value in settings.items()},
        **sandbox.xero_env(),
    )


@asynccontextmanager
async def deployment(
    directory: Path,
    *,
    database_url: str,
    redis_url: str,
    sandbox_args: tuple[str, ...] = (),
    settings: dict[str, str] | None = None,
    batch_size: int = BATCH_SIZE,
) -> AsyncIterator[Rig]:
    """Sandbox, ``api-keys create``, ``api`` and two ``worker`` processes for the block.

    ``database_url`` must be migrated; ``settings`` are extra XERO_CONNECTOR_ settings by name
    without the prefix. The queue is this deployment's own; its keys are deleted afterwards.
    """
    queue = f"xc-faults-{uuid.uuid4().hex[:10]}"
    extra = (
        *("--auto-approve", "carol", "--time-scale", str(TIME_SCALE), "--hang-seconds", "3"),
        *("--latency-ms", str(SANDBOX_LATENCY_MS), *sandbox_args),
    )
    engine = make_engine(database_url)
    try:
        with run_sandbox(grace_seconds=1800, extra=extra) as sandbox, ExitStack() as stack:
            env = deployment_env(
                sandbox,
                database_url=database_url,
                redis_url=redis_url,
                queue=queue,
                SYNC_BATCH_SIZE=str(batch_size),
                **(settings or {}),
            )
            sessions = make_session_factory(engine)
            key = await _service_key(sessions)
            port = free_port()
            api = stack.enter_context(
                started(["api", "--port", str(port)], cwd=directory, env=env, name="api")
            )
            workers = [
                stack.enter_context(started(["worker"], cwd=directory, env=env, name=f"worker-{n}"))
                for n in range(2)
            ]
            origin = f"http://127.0.0.1:{port}"
            await asyncio.to_thread(wait_http, f"{origin}/readyz", api, 60.0)
            async with (
                httpx.AsyncClient(base_url=origin, timeout=20.0) as client,
                httpx.AsyncClient(timeout=20.0) as http,
            ):
                connector = SyncConnector(
                    client,
                    {"Authorization": f"Bearer {key}"},
                    InProcessRunner({}),  # nothing runs in the test: the workers run every job
                    sandbox,
                    http,
                    sessions,
                    [],
                )
                yield Rig(connector, sandbox, api, workers, origin)
    finally:
        await engine.dispose()
        await _delete_queue(redis_url, queue)


async def _service_key(sessions: async_sessionmaker[AsyncSession]) -> str:
    async with sessions() as session:
        issued = await issue_api_key(
            session,
            name="faults",
            role=Role.SERVICE,
            workspace_id=None,
            actor="test",
            source="test",
        )
        await session.commit()
    return issued.key


async def _delete_queue(redis_url: str, queue: str) -> None:
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    try:
        doomed = [key async for key in pool.scan_iter(match=f"*{queue}*")]
        if doomed:
            await pool.delete(*doomed)
    finally:
        await pool.aclose()
