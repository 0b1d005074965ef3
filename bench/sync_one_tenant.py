"""One tenant at Xero's limits: elements per minute window as a share of the 60 x 50 ceiling.

    PYTHONPATH=src:. .venv/bin/python bench/sync_one_tenant.py [--scale 20] [--windows 10]

Needs Postgres and Redis (XERO_CONNECTOR_TEST_PG, XERO_CONNECTOR_TEST_REDIS; default the local
ones). Starts the sandbox time-scaled (a Xero minute lasts 60/scale real seconds) at Xero's
own limits (5 in flight, 60 a minute, 5,000 a day, rolling windows) with a little latency,
connects one organisation, seeds enough pending contacts into a fresh database to outlast the
measurement, and runs ``--workers`` ``xero-connector worker`` processes with the limiter
time-scaled alike (``XERO_CONNECTOR_XERO_LIMIT_TIME_SCALE``). One sync run goes through the whole
engine: slices, claims, batches of 50, the Redis limiter, the client over HTTP. Counted from the
first batch answered: the elements settled in each (Xero) minute window, and the breaches the
sandbox counted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid

from sync_support import (
    Workers,
    connect,
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

from xero_connector.db.engine import make_engine, make_session_factory
from xero_connector.vault import LocalKeyring, Vault
from xero_connector.vault.keyring import generate_key_entry

CEILING = 60 * 50  # Xero's 60 calls a minute per tenant, 50 elements a call


async def bench(scale: float, windows: int, workers: int, latency: float) -> dict[str, object]:
    url, name = await fresh_database()
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    keys = generate_key_entry()
    vault = Vault(LocalKeyring.from_setting(keys))
    queue = f"xc-bench-{uuid.uuid4().hex[:10]}"
    window = 60 / scale
    jitter = str(latency / 2)
    flags = (
        "--time-scale",
        str(scale),
        "--latency-ms",
        str(latency),
        "--latency-jitter-ms",
        jitter,
    )
    namespace = ""
    try:
        with run_sandbox(1, *flags) as server:
            namespace = server.client_id
            (connection_id,) = await connect(server, sessions, vault)
            seeded = await seed_contacts(url, [connection_id], (windows + 3) * CEILING)
            pool = Workers.of(server, url, queue, keys, xero_limit_time_scale=scale)
            load_at_start = load()
            pool.start(workers)
            await start_runs(sessions, queue, [connection_id])
            started = time.time()

            async def answered() -> bool:
                return bool(await sent_batches(url))

            try:
                await wait_until(answered, within=120)
                first_seen = time.time()
                await asyncio.sleep((windows + 0.5) * window)
            finally:
                pool.stop()
            stats = server.stats()
        sent = await sent_batches(url)
    finally:
        await engine.dispose()
        await drop_database(name)
        await forget_queue(queue, namespace or queue)
    first = sent[0].at
    counts = per_window(sent, first, window, windows)
    steady = counts[1:]
    return {
        "machine": machine(),
        "load_at_start": load_at_start,
        "load_at_end": load(),
        "scale": scale,
        "window_seconds": window,
        "seeded": {"records": (windows + 3) * CEILING, "seconds": round(seeded, 1)},
        "first_batch_after_s": round(first_seen - started, 1),
        "elements_per_window": counts,
        "calls_per_window": [round(c / 50, 1) for c in counts],
        "share_all_windows": round(statistics.mean(counts) / CEILING, 4),
        "share_after_first_window": round(statistics.mean(steady) / CEILING, 4),
        "lowest_window_share": round(min(steady) / CEILING, 4),
        "breaches": stats["breaches"],
        "sandbox_calls": stats["calls"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=20.0, help="time scale (sandbox, limiter)")
    parser.add_argument("--windows", type=int, default=10, help="minute windows measured")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="sandbox latency per call")
    args = parser.parse_args()
    report = asyncio.run(bench(args.scale, args.windows, args.workers, args.latency_ms))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
