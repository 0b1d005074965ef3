"""What the sync benchmarks share: a fresh Postgres database, the sandbox with as many
organisations as a benchmark needs, connections at it, pending contacts seeded straight into
the ``records`` table, ``xero-connector worker`` processes, and reading back what was sent.

The benchmarks run the connector as deployed: Postgres, Redis (the shared limiter and the arq
queue, both namespaced per run) and worker processes that run the sync jobs, against the
sandbox over HTTP. This module is imported by the bench scripts (``bench/`` is on their path).
"""

from __future__ import annotations

import asyncio
import os
import platform
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tests.tokens.sandbox_support import SandboxServer, free_port, subprocess_env
from tests.xero.sandbox_tenant import connect_all

from xero_connector.db.migrate import upgrade
from xero_connector.jobs import ids
from xero_connector.jobs.arq_worker import ArqDispatcher, arq_redis
from xero_connector.sync.requests import request_sync
from xero_connector.vault import Vault
from xero_connector.xero.identity import XeroIdentity

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get("XERO_CONNECTOR_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("XERO_CONNECTOR_TEST_REDIS", "redis://127.0.0.1:6379/0")


def machine() -> str:
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def fresh_database() -> tuple[str, str]:
    """(SQLAlchemy URL, name) of a new database at the current migration head."""
    name = f"xc_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + f"/{name}"
    await upgrade(url)
    return url, name


async def drop_database(name: str) -> None:
    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


@dataclass(frozen=True)
class BenchSandbox(SandboxServer):
    """A sandbox whose app credentials are this run's own, so the Redis limiter's namespace
    (the client id) is shared with no test or other benchmark running on the machine."""

    client_id: str = ""
    client_secret: str = ""

    def identity(self, http: httpx.AsyncClient, *, timeout: float = 10.0) -> XeroIdentity:
        return XeroIdentity(
            client_id=self.client_id,
            client_secret=self.client_secret,
            endpoints=self.endpoints,
            http=http,
            timeout=timeout,
        )

    def xero_env(self) -> dict[str, str]:
        return super().xero_env() | {
            "XERO_CONNECTOR_XERO_CLIENT_ID": self.client_id,
            "XERO_CONNECTOR_XERO_CLIENT_SECRET": self.client_secret,
        }

    pid: int = 0

    def stats(self) -> dict[str, object]:
        return dict(httpx.get(f"{self.origin}/_sandbox/stats", timeout=30).json())


@contextmanager
def run_sandbox(organisations: int, *flags: str) -> Iterator[BenchSandbox]:
    """``bench/many_orgs_sandbox.py``: the sandbox with ``organisations`` extra ones, all the
    ``bench`` user's (auto-approved), strict mode off, access tokens that outlive the run."""
    port = free_port()
    client_id, secret = f"bench-sync-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    command = [
        sys.executable, str(ROOT / "bench" / "many_orgs_sandbox.py"), str(organisations),
        "--port", str(port), "--client", f"{client_id}:{secret}", "--auto-approve", "bench",
        "--access-token-seconds", str(10**8), "--no-strict", "--no-access-log", *flags,
    ]  # fmt: skip
    process = subprocess.Popen(command, env=subprocess_env(), stdout=subprocess.DEVNULL)
    origin = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{origin}/_sandbox/stats", timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the sandbox did not start") from None
                time.sleep(0.2)
        yield BenchSandbox(origin, client_id=client_id, client_secret=secret, pid=process.pid)
    finally:
        process.terminate()
        process.wait(10)


async def connect(
    server: BenchSandbox, sessions: async_sessionmaker[AsyncSession], vault: Vault
) -> list[str]:
    """The ``bench`` user's consent over HTTP; a connection row per organisation (their ids)."""
    async with httpx.AsyncClient(timeout=60) as http:
        tenant = await connect_all(server, http, sessions, vault)
    return [ref.connection_id for ref in tenant.refs]


SEED_CONTACTS = """
INSERT INTO records (id, connection_id, kind, external_id, payload, payload_hash, source_keys,
                     version, status, attempts, errors, voided, created_at, updated_at)
SELECT md5($1 || ':' || n)::uuid::text, $1, 'contact', $2 || '-' || n,
       json_build_object('external_id', $2 || '-' || n, 'name', $3 || ' ' || n),
       md5($2 || n) || md5(n || $2), '[]'::json, 1, 'pending', 0, '[]'::json, false, now(), now()
FROM generate_series(1, $4::int) AS n
"""


async def seed_contacts(
    database_url: str, connection_ids: Sequence[str], per_connection: int, *, name: str = "Bench"
) -> float:
    """``per_connection`` pending contacts for each connection, in one statement each, as
    ingestion would store them (the payload as normalised); seconds it took."""
    started = time.perf_counter()
    db = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        for index, connection_id in enumerate(connection_ids):
            await db.execute(SEED_CONTACTS, connection_id, f"c{index}", name, per_connection)
        await db.execute("ANALYZE records")
    finally:
        await db.close()
    return time.perf_counter() - started


async def start_runs(
    sessions: async_sessionmaker[AsyncSession], queue: str, connection_ids: Sequence[str]
) -> list[str]:
    """A manual run per connection (the row first, then its first slice enqueued), as
    ``POST .../sync`` does."""
    runs = []
    async with sessions() as session:
        for connection_id in connection_ids:
            runs.append((await request_sync(session, connection_id, "manual")).run.id)
        await session.commit()
    redis = arq_redis(REDIS_URL)
    dispatcher = ArqDispatcher(redis, queue)
    for run_id in runs:
        await dispatcher.enqueue(ids.SYNC_RUN, run_id, 0, job_id=ids.sync_job_id(run_id, 0))
    await redis.aclose()
    return runs


async def forget_queue(queue: str, namespace: str) -> None:
    """Remove this run's arq keys and its limiter state from Redis."""
    redis = arq_redis(REDIS_URL)
    for pattern in (f"*{queue}*", f"*{namespace}*"):
        doomed = [key async for key in redis.scan_iter(match=pattern)]
        for start in range(0, len(doomed), 500):
            await redis.delete(*doomed[start : start + 500])
    await redis.aclose()


@dataclass
class Workers:
    """``xero-connector worker`` processes on the bench's database, Redis and sandbox."""

    env: dict[str, str]
    running: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @classmethod
    def of(
        cls, server: BenchSandbox, database_url: str, queue: str, keys: str, **settings: object
    ) -> Workers:
        extra = {f"XERO_CONNECTOR_{k.upper()}": str(v) for k, v in settings.items()}
        env = subprocess_env(
            XERO_CONNECTOR_DATABASE_URL=database_url,
            XERO_CONNECTOR_REDIS_URL=REDIS_URL,
            XERO_CONNECTOR_QUEUE_NAME=queue,
            XERO_CONNECTOR_KEYS=keys,
            XERO_CONNECTOR_LOG_LEVEL="WARNING",
            **server.xero_env(),
            **extra,
        )
        return cls(env)

    def start(self, count: int = 1) -> None:
        for _ in range(count):
            command = [sys.executable, "-m", "xero_connector", "worker"]
            self.running.append(subprocess.Popen(command, env=self.env, stdout=subprocess.DEVNULL))

    def cpu_seconds(self) -> float:
        return sum(cpu_seconds(process.pid) for process in self.running)

    def stop(self) -> None:
        for process in self.running:
            process.terminate()
        for process in self.running:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.running.clear()


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of a process, in MB, from /proc."""
    found = {"VmRSS": 0.0, "VmHWM": 0.0}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in found:
            found[key] = int(value.split()[0]) / 1024
    return found["VmRSS"], found["VmHWM"]


@dataclass(frozen=True)
class Sent:
    """One batch Xero answered: when (epoch seconds), for which connection, how many elements."""

    at: float
    connection_id: str
    elements: int


async def sent_batches(database_url: str) -> list[Sent]:
    """Every batch settled ``done``, from the ``sync_batches`` rows the workers wrote."""
    db = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        rows = await db.fetch(
            "SELECT extract(epoch FROM finished_at) AS at, connection_id,"
            " json_array_length(members) AS n FROM sync_batches"
            " WHERE status = 'done' AND finished_at IS NOT NULL ORDER BY finished_at"
        )
    finally:
        await db.close()
    return [Sent(float(r["at"]), str(r["connection_id"]), int(r["n"])) for r in rows]


async def batch_outcomes(database_url: str) -> dict[str, int]:
    """Batches by status (and, for those not done, why), e.g. released by a slice that deferred."""
    db = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        rows = await db.fetch(
            "SELECT status, CASE WHEN status = 'done' THEN NULL ELSE error END AS why,"
            " count(*) AS n FROM sync_batches GROUP BY 1, 2 ORDER BY 3 DESC"
        )
    finally:
        await db.close()
    return {f"{r['status']}: {r['why']}" if r["why"] else r["status"]: int(r["n"]) for r in rows}


def per_window(sent: Sequence[Sent], first: float, window: float, count: int) -> list[int]:
    """Elements answered in each of ``count`` consecutive windows from ``first``."""
    totals = [0] * count
    for batch in sent:
        k = int((batch.at - first) // window)
        if 0 <= k < count:
            totals[k] += batch.elements
    return totals


def most_calls_in_any_window(times: Sequence[float], window: float) -> int:
    ordered, best, low = sorted(times), 0, 0
    for high, moment in enumerate(ordered):
        while moment - ordered[low] >= window:
            low += 1
        best = max(best, high - low + 1)
    return best


async def wait_until(
    predicate: Callable[[], Awaitable[bool]], *, within: float, every: float = 0.2
) -> None:
    """Poll ``predicate`` until it is true."""
    deadline = time.monotonic() + within
    while not await predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the benchmark waited too long")
        await asyncio.sleep(every)
