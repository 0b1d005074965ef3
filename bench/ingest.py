"""Ingestion benchmark: records/s and per-batch latency through the API on Postgres, over HTTP.

    PYTHONPATH=src .venv/bin/python bench/ingest.py [--batches 100] [--concurrency 4]
        [--kind invoice|contact]

Needs Postgres (XERO_CONNECTOR_TEST_PG, default the local trust-auth server) and Redis
(XERO_CONNECTOR_TEST_REDIS; ``api`` refuses to start without it, ingestion itself does not use it).
It creates a fresh database, seeds one connection and a service API key, starts
``xero-connector api`` (one uvicorn process, log level warning) and posts ``--batches`` batches of
1,000 new records each from ``--concurrency`` concurrent HTTP connections (bodies serialised before
the clock starts), after 5 warm-up batches. Then it posts the same batches again (all
``unchanged``). It prints records/s, the p50/p95/p99/max of one batch's round trip, and the CPU
time one batch cost the api process and the Postgres backends serving it (from /proc; a figure that
a busy machine inflates far less than wall times), per phase, and fails if any item was not
accepted (first phase) or unchanged (second).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import secrets
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import orjson
from refresh_bench import PG_ADMIN, create_database, drop_database, free_port

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("XERO_CONNECTOR_TEST_REDIS", "redis://127.0.0.1:6379/0")
BATCH = 1000


async def seed(url: str) -> tuple[str, str]:
    """A connection and a service API key; (connection id, key)."""
    from xero_connector.auth.api_keys import issue_api_key
    from xero_connector.auth.policy import Role
    from xero_connector.db.base import new_id
    from xero_connector.db.engine import make_engine, make_session_factory
    from xero_connector.db.models import Connection, XeroGrant

    engine = make_engine(url)
    async with make_session_factory(engine)() as session:
        grant = XeroGrant(id=new_id(), workspace_id="ws-bench")
        session.add(grant)
        await session.flush()
        connection = Connection(
            id=new_id(),
            workspace_id="ws-bench",
            grant_id=grant.id,
            tenant_id=new_id(),
            xero_connection_id=new_id(),
            tenant_name="Bench Ltd",
            base_currency="NZD",
        )
        session.add(connection)
        issued = await issue_api_key(
            session,
            name="bench",
            role=Role.SERVICE,
            workspace_id=None,
            actor="bench",
            source="bench",
        )
        await session.commit()
    await engine.dispose()
    return connection.id, issued.key


def item(kind: str, n: int) -> dict[str, Any]:
    """The n-th record of ``kind``: an invoice has 2 lines with tax codes and tracking."""
    if kind == "contact":
        return {
            "external_id": f"contact-{n}",
            "name": f"Customer {n}",
            "email": f"ap{n}@customer.example",
            "address": {"line1": f"{n} Queen Street", "city": "Auckland", "country": "NZ"},
        }
    return {
        "external_id": f"invoice-{n}",
        "type": "sales" if n % 3 else "purchase",
        "number": f"INV-{n:08d}" if n % 3 else None,
        "reference": f"Order {n}",
        "contact_external_id": f"contact-{n % 500}",
        "issue_date": "2026-11-30",
        "due_date": "2026-12-30",
        "lines": [
            {
                "description": "Consulting",
                "quantity": "3",
                "unit_amount": f"{100 + n % 997}.50",
                "category": "Sales",
                "tax_code": "GST",
                "tracking": {"Region": ["North", "South"][n % 2]},
            },
            {
                "description": "Travel",
                "quantity": 1,
                "unit_amount": "45.10",
                "category": "Travel",
                "tax_code": "GST",
            },
        ],
    }


def bodies(kind: str, start: int, count: int) -> list[bytes]:
    out = []
    for b in range(count):
        first = start + b * BATCH
        items = [item(kind, n) for n in range(first, first + BATCH)]
        out.append(
            orjson.dumps({"items": [{k: v for k, v in i.items() if v is not None} for i in items]})
        )
    return out


async def post_all(
    origin: str, path: str, key: str, payloads: list[bytes], concurrency: int, expect: str
) -> tuple[float, list[float]]:
    """Post every payload from ``concurrency`` connections; (wall seconds, latencies in s)."""
    import httpx

    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for payload in payloads:
        queue.put_nowait(payload)
    latencies: list[float] = []
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            payload = queue.get_nowait()
            began = time.perf_counter()
            response = await client.post(path, content=payload, headers=headers)
            latencies.append(time.perf_counter() - began)
            if response.status_code != 200:
                raise SystemExit(f"batch answered {response.status_code}: {response.text[:300]}")
            results = {i["result"] for i in orjson.loads(response.content)["items"]}
            if results != {expect}:
                raise SystemExit(f"expected every item {expect}, got {results}")

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=origin, timeout=60, limits=limits) as client:
        began = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        return time.perf_counter() - began, latencies


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes ``pids`` used so far (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


async def backend_pids(url: str) -> list[int]:
    """The Postgres server processes serving the benchmark's database."""
    import asyncpg

    name = url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(PG_ADMIN)
    try:
        rows = await admin.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", name)
    finally:
        await admin.close()
    return [int(row["pid"]) for row in rows]


def summary(label: str, wall: float, latencies: list[float]) -> dict[str, Any]:
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))] * 1000

    return {
        "phase": label,
        "batches": len(latencies),
        "records_per_s": round(len(latencies) * BATCH / wall),
        "p50_ms": round(pct(0.50), 1),
        "p95_ms": round(pct(0.95), 1),
        "p99_ms": round(pct(0.99), 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1),
    }


async def wait_ready(origin: str, process: asyncio.subprocess.Process) -> None:
    import httpx

    async with httpx.AsyncClient() as client:
        for _ in range(300):
            if process.returncode is not None:
                raise SystemExit("the api process exited")
            try:
                if (await client.get(f"{origin}/healthz")).is_success:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("the api did not become ready")


async def run(batches: int, concurrency: int, kind: str) -> list[dict[str, Any]]:
    from xero_connector.vault import generate_key_entry

    name, url = await create_database()
    try:
        connection_id, key = await seed(url)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("XERO_CONNECTOR_")}
        env.update(
            PYTHONPATH=str(ROOT / "src"),
            XERO_CONNECTOR_DATABASE_URL=url,
            XERO_CONNECTOR_REDIS_URL=REDIS_URL,
            XERO_CONNECTOR_KEYS=generate_key_entry("bench"),
            XERO_CONNECTOR_XERO_CLIENT_ID="bench-client-id-0001",
            XERO_CONNECTOR_XERO_CLIENT_SECRET=secrets.token_urlsafe(24),
            XERO_CONNECTOR_LOG_LEVEL="warning",
        )
        command = [sys.executable, "-m", "xero_connector", "api", "--port", str(port)]
        process = await asyncio.create_subprocess_exec(
            *command, env=env, stdout=asyncio.subprocess.DEVNULL
        )
        origin = f"http://127.0.0.1:{port}"
        route = {"contact": "contacts", "invoice": "invoices"}[kind]
        path = f"/v1/connections/{connection_id}/{route}"
        try:
            await wait_ready(origin, process)
            await post_all(origin, path, key, bodies(kind, 10**9, 5), 1, "accepted")
            payloads = bodies(kind, 0, batches)
            results = []
            for label, expect in (("new records", "accepted"), ("same content again", "unchanged")):
                backends = await backend_pids(url)
                api_cpu, pg_cpu = cpu_seconds([process.pid]), cpu_seconds(backends)
                wall, latencies = await post_all(origin, path, key, payloads, concurrency, expect)
                result = summary(label, wall, latencies)
                per_batch = 1000 / len(latencies)
                result["api_cpu_ms_per_batch"] = round(
                    (cpu_seconds([process.pid]) - api_cpu) * per_batch, 1
                )
                result["pg_cpu_ms_per_batch"] = round(
                    (cpu_seconds(backends) - pg_cpu) * per_batch, 1
                )
                results.append(result)
            return results
        finally:
            process.terminate()
            await asyncio.wait_for(process.wait(), timeout=30)
    finally:
        await drop_database(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--kind", choices=["invoice", "contact"], default="invoice")
    args = parser.parse_args()
    results = asyncio.run(run(args.batches, args.concurrency, args.kind))
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    print(f"kind={args.kind} batches={args.batches} x {BATCH} concurrency={args.concurrency}")
    for result in results:
        print(orjson.dumps(result).decode())


if __name__ == "__main__":
    main()
