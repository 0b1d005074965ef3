"""100 tenants with the app-wide limit binding: the share of that ceiling the sync engine uses,
the slowest tenant against the mean, and a plain sequential client's rate as the baseline.

    PYTHONPATH=src:. .venv/bin/python bench/sync_many_tenants.py [--tenants 100] [--workers 4]

Needs Postgres and Redis (XERO_CONNECTOR_TEST_PG, XERO_CONNECTOR_TEST_REDIS). Two parts, one run:

1. The engine. The sandbox (``bench/many_orgs_sandbox.py``: ``--tenants`` organisations, one
   user in all of them) is time-scaled, at Xero's per-tenant limits (5 in flight, 60 a minute,
   5,000 a day) and an app-wide limit of ``--app-limit`` calls a minute, which 100 tenants
   (6,000 a minute between them) make bind; each call gets ``--latency-ms`` of added latency.
   One grant connects every organisation; enough pending contacts are seeded for each
   connection, a manual run is requested for each, and ``--workers`` ``xero-connector worker``
   processes (Postgres, the Redis limiter and queue, limits and time scale set alike) push them.
   Measured from the moment every tenant has had its first batch answered (until then the
   windows hold the settings pulls, four calls per tenant), over ``--windows`` minute windows:
   elements answered per window as a share of ``app limit x 50``, each tenant's elements against
   the mean, and the breaches the sandbox counted.
2. The baseline, against a fresh sandbox with the same flags: one plain client sends the same
   kind of backlog (batches of 50 contacts, tenants in turn) one call at a time, and sleeps out
   a 429's Retry-After before sending the same batch again, for as long as part 1 measured.

The ratio is part 1's elements per second over part 2's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import statistics
import time
import uuid
from collections import Counter
from typing import Any

import httpx
from sync_support import (
    BenchSandbox,
    Sent,
    Workers,
    batch_outcomes,
    connect,
    cpu_seconds,
    drop_database,
    forget_queue,
    fresh_database,
    load,
    machine,
    per_window,
    run_sandbox,
    seed_contacts,
    sent_batches,
    start_runs,
    wait_until,
)
from tests.tokens.sandbox_support import consent

from xero_connector.db.engine import make_engine, make_session_factory
from xero_connector.vault import LocalKeyring, Vault
from xero_connector.vault.keyring import generate_key_entry


def sandbox_flags(scale: float, app_limit: int, latency: float) -> list[str]:
    flags = ["--time-scale", str(scale), "--app-per-minute", str(app_limit)]
    return [*flags, "--latency-ms", str(latency), "--latency-jitter-ms", str(latency / 4)]


async def engine_part(args: argparse.Namespace) -> dict[str, Any]:
    url, name = await fresh_database()
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    keys = generate_key_entry()
    vault = Vault(LocalKeyring.from_setting(keys))
    queue = f"xc-bench-{uuid.uuid4().hex[:10]}"
    window = 60 / args.scale
    # Enough for every tenant to keep sending through the measurement and the ramp before it.
    per_tenant = math.ceil((args.windows + 4) * args.app_limit * 50 / args.tenants * 1.3)
    namespace = ""
    try:
        flags = sandbox_flags(args.scale, args.app_limit, args.latency_ms)
        with run_sandbox(args.tenants, *flags) as server:
            namespace = server.client_id
            connection_ids = await connect(server, sessions, vault)
            seeded = await seed_contacts(url, connection_ids, per_tenant)
            pool = Workers.of(
                server,
                url,
                queue,
                keys,
                xero_limit_time_scale=args.scale,
                xero_app_minute_limit=args.app_limit,
                sync_slice_seconds=args.slice_seconds or 20 / args.scale,
                worker_max_jobs=args.jobs,
            )
            load_at_start = load()
            pool.start(args.workers)
            requested = time.time()
            await start_runs(sessions, queue, connection_ids)

            async def everyone_answered() -> bool:
                seen = {batch.connection_id for batch in await sent_batches(url)}
                return len(seen) == len(connection_ids)

            try:
                await wait_until(everyone_answered, within=600, every=0.5)
                ramp = time.time()
                cpu = pool.cpu_seconds(), cpu_seconds(server.pid)
                await asyncio.sleep(args.windows * window)
                cpu = pool.cpu_seconds() - cpu[0], cpu_seconds(server.pid) - cpu[1]
                await asyncio.sleep(1.0)
            finally:
                pool.stop()
            stats = server.stats()
        sent = await sent_batches(url)
        outcomes = await batch_outcomes(url)
    finally:
        await engine.dispose()
        await drop_database(name)
        await forget_queue(queue, namespace or queue)
    counts = per_window(sent, ramp, window, args.windows)
    measured = [b for b in sent if ramp <= b.at < ramp + args.windows * window]
    by_tenant = Counter(dict.fromkeys(connection_ids, 0))
    by_tenant.update(_sums(measured))
    mean = statistics.mean(by_tenant.values())
    ceiling = args.app_limit * 50
    return {
        "load_at_start": load_at_start,
        "load_at_end": load(),
        "seeded": {"records": per_tenant * args.tenants, "seconds": round(seeded, 1)},
        "every_tenant_answered_after_s": round(ramp - requested, 1),
        "elements_per_window": counts,
        "share_of_app_ceiling": round(statistics.mean(counts) / ceiling, 4),
        "lowest_window_share": round(min(counts) / ceiling, 4),
        "slowest_tenant_over_mean": round(min(by_tenant.values()) / mean, 3),
        "fastest_tenant_over_mean": round(max(by_tenant.values()) / mean, 3),
        "elements_per_second": round(sum(counts) / (args.windows * window), 1),
        "workers_cpu_ms_per_batch": round(cpu[0] / max(len(measured), 1) * 1000, 1),
        "sandbox_cpu_ms_per_batch": round(cpu[1] / max(len(measured), 1) * 1000, 1),
        "breaches": stats["breaches"],
        "sandbox_calls": stats["calls"],
        "batches": outcomes,
    }


def _sums(batches: list[Sent]) -> dict[str, int]:
    totals: Counter[str] = Counter()
    for batch in batches:
        totals[batch.connection_id] += batch.elements
    return dict(totals)


async def baseline_part(args: argparse.Namespace, seconds: float) -> dict[str, Any]:
    """One call at a time, 50 contacts each, tenants in turn; a 429 waits out its Retry-After."""
    flags = sandbox_flags(args.scale, args.app_limit, args.latency_ms)
    with run_sandbox(args.tenants, *flags) as server:
        async with httpx.AsyncClient(timeout=60) as http:
            token, tenants = await _sign_in(server, http)
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            statuses: Counter[int] = Counter()
            elements, batch, started = 0, 0, time.time()
            load_at_start = load()
            while time.time() < started + seconds:
                tenant = tenants[batch % len(tenants)]
                body = {
                    "Contacts": [
                        {"Name": f"Plain {batch}-{n}", "ContactNumber": f"plain-{batch}-{n}"}
                        for n in range(50)
                    ]
                }
                answer = await http.put(
                    f"{server.origin}/api.xro/2.0/Contacts",
                    params={"summarizeErrors": "false"},
                    json=body,
                    headers={**headers, "xero-tenant-id": tenant},
                )
                statuses[answer.status_code] += 1
                if answer.status_code == 429:
                    await asyncio.sleep(float(answer.headers.get("retry-after", "1")))
                    continue
                answer.raise_for_status()
                elements += 50
                batch += 1
            wall = time.time() - started
        stats = server.stats()
    return {
        "load_at_start": load_at_start,
        "load_at_end": load(),
        "seconds": round(wall, 1),
        "elements": elements,
        "elements_per_second": round(elements / wall, 1),
        "statuses": {str(k): v for k, v in statuses.items()},
        "breaches": stats["breaches"],
    }


async def _sign_in(server: BenchSandbox, http: httpx.AsyncClient) -> tuple[str, list[str]]:
    identity = server.identity(http)
    try:
        tokens = await consent(identity, http)
        tenants = await identity.list_connections(tokens.access_token)
    finally:
        await identity.aclose()
    return tokens.access_token, [t.tenant_id for t in tenants]


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    engine = await engine_part(args)
    if not args.baseline:
        return {"machine": machine(), "settings": vars(args), "engine": engine}
    baseline = await baseline_part(args, args.windows * 60 / args.scale)
    return {
        "machine": machine(),
        "settings": vars(args),
        "engine": engine,
        "sequential_baseline": baseline,
        "engine_over_baseline": round(
            engine["elements_per_second"] / max(baseline["elements_per_second"], 1e-9), 2
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4, help="worker processes")
    parser.add_argument("--app-limit", type=int, default=500, help="app-wide calls a minute")
    parser.add_argument("--scale", type=float, default=3.0, help="time scale (sandbox, limiter)")
    parser.add_argument("--windows", type=int, default=4, help="minute windows measured")
    parser.add_argument("--latency-ms", type=float, default=200.0, help="sandbox latency a call")
    parser.add_argument(
        "--slice-seconds", type=float, default=0.0, help="SYNC_SLICE_SECONDS (20 / scale)"
    )
    parser.add_argument("--jobs", type=int, default=10, help="WORKER_MAX_JOBS of each worker")
    parser.add_argument("--baseline", action=argparse.BooleanOptionalAction, default=True)
    print(json.dumps(asyncio.run(bench(parser.parse_args())), indent=2))


if __name__ == "__main__":
    main()
