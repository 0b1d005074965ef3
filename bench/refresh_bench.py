"""Token refresh benchmark: N grants due in the same window, two worker processes, the sandbox.

    PYTHONPATH=src .venv/bin/python bench/refresh_bench.py [--grants 10000] [--workers 2]

Needs Postgres (XERO_CONNECTOR_TEST_PG, default the local trust-auth server) and Redis
(XERO_CONNECTOR_TEST_REDIS). It starts a sandbox with a grace period of 0 (so any second use of
a refresh token would be an invalid_grant) and seeds N grants straight into its identity store;
creates a fresh database with the same N grants, all in use and expired; starts the worker
processes (``xero-connector worker``, whose sweeper finds them); and prints the time until all
are refreshed, token-endpoint calls per grant, failures, and each worker's peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLIENT_ID, CLIENT_SECRET = "bench-client", "bench-client-secret-value"
PG_ADMIN = os.environ.get("XERO_CONNECTOR_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("XERO_CONNECTOR_TEST_REDIS", "redis://127.0.0.1:6379/0")


# -- the sandbox process ---------------------------------------------------------------------


def serve_sandbox(port: int, grants: int, out: Path) -> None:
    """Run a sandbox with ``grants`` seeded grants; their refresh tokens go to ``out``."""
    import uvicorn

    from xero_connector.sandbox.app import create_sandbox_app
    from xero_connector.sandbox.identity.store import Grant, RefreshRecord, digest
    from xero_connector.sandbox.identity.users import USERS
    from xero_connector.sandbox.world import SandboxConfig

    app = create_sandbox_app(SandboxConfig(clients={CLIENT_ID: CLIENT_SECRET}, grace_seconds=0))
    sandbox = app.state.sandbox
    store, world = sandbox.identity.store, sandbox.world
    user = USERS[0]
    tokens: list[str] = []
    for _ in range(grants):
        grant = Grant(
            grant_id=world.new_id(),
            user=user,
            client_id=CLIENT_ID,
            scope="openid offline_access accounting.settings",
            tenant_ids=user.tenant_ids,
            auth_event_id=world.new_id(),
            session_id=uuid.uuid4().hex,
        )
        store.grants[grant.grant_id] = grant
        token = secrets.token_urlsafe(32)
        store.refresh_tokens[digest(token)] = RefreshRecord(grant.grant_id, world.clock.now())
        tokens.append(token)
    out.write_text(json.dumps(tokens))
    uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")


# -- the driver ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def env_for(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XERO_CONNECTOR_")}
    env["PYTHONPATH"] = str(ROOT / "src")
    env.update(extra)
    return env


def sandbox_ready(out: Path, origin: str) -> bool:
    import httpx

    try:
        return bool(out.stat().st_size) and httpx.get(f"{origin}/_sandbox/stats").is_success
    except httpx.HTTPError:
        return False


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def create_database() -> tuple[str, str]:
    import asyncpg

    from xero_connector.db.migrate import upgrade

    name = f"xc_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(PG_ADMIN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    url = f"{url}/{name}"
    await upgrade(url)
    return name, url


async def drop_database(name: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(PG_ADMIN)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def seed_database(url: str, keys: str, refresh_tokens: list[str]) -> None:
    """Every grant in use, its access token expired: all due in the same window."""
    from xero_connector.db.base import new_id
    from xero_connector.db.engine import make_engine, make_session_factory
    from xero_connector.db.models import XeroGrant
    from xero_connector.tokens.sealing import seal_into
    from xero_connector.vault import LocalKeyring, Vault
    from xero_connector.xero.tokenset import TokenSet

    vault = Vault(LocalKeyring.from_setting(keys))
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    now = datetime.now(UTC)
    for start in range(0, len(refresh_tokens), 1000):
        async with sessions() as session:
            for token in refresh_tokens[start : start + 1000]:
                grant = XeroGrant(id=new_id(), workspace_id="ws-bench")
                seal_into(
                    vault,
                    grant,
                    TokenSet(access_token="expired", refresh_token=token, expires_at=now),  # noqa: S106,
                )
                grant.access_expires_at = now - timedelta(seconds=1)
                grant.refreshed_at = now - timedelta(minutes=31)
                grant.last_used_at = now
                session.add(grant)
            await session.commit()
    await engine.dispose()


async def progress(url: str) -> tuple[int, int]:
    """(refreshed, failed) grants."""
    from sqlalchemy import text

    from xero_connector.db.engine import make_engine

    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            row = (
                await connection.execute(
                    text(
                        "SELECT count(*) FILTER (WHERE refresh_generation >= 1), "
                        "count(*) FILTER (WHERE status <> 'active' OR failure_count > 0) "
                        "FROM xero_grants"
                    )
                )
            ).one()
            return int(row[0]), int(row[1])
    finally:
        await engine.dispose()


async def flush_queue(queue: str) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in redis.scan_iter(match=f"*{queue}*", count=1000)]
        for start in range(0, len(keys), 1000):
            await redis.delete(*keys[start : start + 1000])
    finally:
        await redis.aclose()


async def run(grants: int, workers: int, max_jobs: int, limit_seconds: float) -> dict[str, object]:
    import httpx

    from xero_connector.vault import generate_key_entry

    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    keys = generate_key_entry()
    queue = f"xc-bench-{uuid.uuid4().hex[:8]}"
    out = Path(tempfile.mkstemp(suffix=".json")[1])
    sandbox = await asyncio.create_subprocess_exec(
        *[
            sys.executable,
            __file__,
            "--serve-sandbox",
            str(port),
            "--grants",
            str(grants),
            "--out",
            str(out),
        ],
        env=env_for(),
    )
    name, url = await create_database()
    processes: list[asyncio.subprocess.Process] = []
    try:
        deadline = time.monotonic() + 120
        while not await asyncio.to_thread(sandbox_ready, out, origin):
            if time.monotonic() > deadline:
                raise RuntimeError("sandbox did not start")
            await asyncio.sleep(0.2)
        refresh_tokens = json.loads(await asyncio.to_thread(out.read_text))
        await seed_database(url, keys, refresh_tokens)
        worker_env = env_for(
            XERO_CONNECTOR_DATABASE_URL=url,
            XERO_CONNECTOR_REDIS_URL=REDIS_URL,
            XERO_CONNECTOR_KEYS=keys,
            XERO_CONNECTOR_QUEUE_NAME=queue,
            XERO_CONNECTOR_SWEEP_INTERVAL_SECONDS="10",
            XERO_CONNECTOR_WORKER_MAX_JOBS=str(max_jobs),
            XERO_CONNECTOR_LOG_LEVEL="WARNING",
            XERO_CONNECTOR_XERO_CLIENT_ID=CLIENT_ID,
            XERO_CONNECTOR_XERO_CLIENT_SECRET=CLIENT_SECRET,
            XERO_CONNECTOR_XERO_LOGIN_BASE=origin,
            XERO_CONNECTOR_XERO_IDENTITY_BASE=origin,
            XERO_CONNECTOR_XERO_API_BASE=origin,
        )
        started = time.monotonic()
        processes = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "xero_connector",
                "worker",
                env=worker_env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(workers)
        ]
        refreshed = failed = 0
        while time.monotonic() - started < limit_seconds:
            refreshed, failed = await progress(url)
            if refreshed + failed >= grants:
                break
            await asyncio.sleep(0.5)
        elapsed = time.monotonic() - started
        await asyncio.sleep(1)  # let stragglers finish so the call count is final
        rss = [round(peak_rss_mb(p.pid), 1) for p in processes]
        async with httpx.AsyncClient() as http:
            stats = (await http.get(f"{origin}/_sandbox/stats")).json()
        calls = int(stats["token_calls"].get("refresh_token", 0))
        return {
            "grants": grants,
            "workers": workers,
            "max_jobs_per_worker": max_jobs,
            "seconds_until_all_refreshed": round(elapsed, 1),
            "refreshes_per_second": round(refreshed / elapsed, 1),
            "refreshed": refreshed,
            "token_calls_per_grant": round(calls / grants, 4),
            "invalid_grant": sum(stats["invalid_grant"].values()),
            "failures": failed + sum(stats["invalid_grant"].values()),
            "worker_peak_rss_mb": rss,
        }
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            await asyncio.wait_for(process.wait(), 30)
        sandbox.terminate()
        await asyncio.wait_for(sandbox.wait(), 10)
        await asyncio.to_thread(out.unlink, True)
        await drop_database(name)
        await flush_queue(queue)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--grants", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-jobs", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=280.0)
    parser.add_argument("--serve-sandbox", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_sandbox:
        serve_sandbox(args.serve_sandbox, args.grants, args.out)
        return
    result = asyncio.run(run(args.grants, args.workers, args.max_jobs, args.timeout))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
