"""A backlog of 1,000,000 pending records for one connection: the worker's peak RSS and the
time to the first batch.

    PYTHONPATH=src:. .venv/bin/python bench/sync_backlog.py [--records 1000000] [--seconds 60]

Needs Postgres and Redis (XERO_CONNECTOR_TEST_PG, XERO_CONNECTOR_TEST_REDIS). Connects one
organisation of the sandbox (rate limits lifted, 5 calls in flight, no latency) and starts one
``xero-connector worker``; once it is idle (its sweeper ran at its start, before there was any
work, and not again), seeds ``--records`` pending contacts straight into the fresh database
(one INSERT ... SELECT generate_series, then ANALYZE), requests a sync run (the row, then its
first slice enqueued, as ``POST .../sync`` does) and samples the worker's RSS every 0.2 s for
``--seconds``. Prints the time from the request to the first batch written (it is sent right
after) and answered, the worker's RSS before the run, its peak (the kernel's high-water mark),
and what it pushed meanwhile.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid

import asyncpg
from sync_support import (
    Workers,
    asyncpg_dsn,
    connect,
    cpu_seconds,
    drop_database,
    forget_queue,
    fresh_database,
    load,
    machine,
    memory_mb,
    run_sandbox,
    seed_contacts,
    start_runs,
)

from xero_connector.db.engine import make_engine, make_session_factory
from xero_connector.vault import LocalKeyring, Vault
from xero_connector.vault.keyring import generate_key_entry

LIFTED = ["--tenant-per-minute", "100000000", "--tenant-per-day", "100000000"]
LIFTED += ["--app-per-minute", "100000000"]
LIFTED_SETTINGS = {
    "xero_tenant_minute_limit": 10**8,
    "xero_tenant_day_limit": 10**8,
    "xero_app_minute_limit": 10**8,
}


async def first_batch(database_url: str) -> tuple[float | None, float | None, int]:
    """(first batch written, first batch answered) as epoch seconds, and elements answered."""
    db = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        row = await db.fetchrow(
            "SELECT extract(epoch FROM min(created_at)) AS written,"
            " extract(epoch FROM min(finished_at)) AS answered,"
            " coalesce(sum(json_array_length(members))"
            "   FILTER (WHERE status = 'done'), 0) AS elements FROM sync_batches"
        )
    finally:
        await db.close()
    assert row is not None
    written, answered = row["written"], row["answered"]
    return (
        float(written) if written is not None else None,
        float(answered) if answered is not None else None,
        int(row["elements"]),
    )


async def bench(count: int, seconds: float, settle: float) -> dict[str, object]:
    url, name = await fresh_database()
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    keys = generate_key_entry()
    vault = Vault(LocalKeyring.from_setting(keys))
    queue = f"xc-bench-{uuid.uuid4().hex[:10]}"
    namespace = ""
    samples: list[tuple[float, float]] = []
    try:
        with run_sandbox(1, *LIFTED) as server:
            namespace = server.client_id
            (connection_id,) = await connect(server, sessions, vault)
            # One sweep, at start, before there is any work: only this benchmark starts the run.
            pool = Workers.of(
                server, url, queue, keys, sweep_interval_seconds=3600, **LIFTED_SETTINGS
            )
            pool.start()
            (worker,) = pool.running
            try:
                await asyncio.sleep(settle)  # started, swept, idle
                seeded = await seed_contacts(url, [connection_id], count)
                idle_rss, idle_peak = memory_mb(worker.pid)
                load_at_start = load()
                cpu_before = cpu_seconds(worker.pid)
                requested = time.time()
                await start_runs(sessions, queue, [connection_id])
                while (at := time.time()) < requested + seconds:
                    samples.append((at - requested, memory_mb(worker.pid)[0]))
                    await asyncio.sleep(0.2)
                _, peak = memory_mb(worker.pid)
                cpu = cpu_seconds(worker.pid) - cpu_before
            finally:
                pool.stop()
        written, answered, elements = await first_batch(url)
    finally:
        await engine.dispose()
        await drop_database(name)
        await forget_queue(queue, namespace or queue)
    return {
        "machine": machine(),
        "load_at_start": load_at_start,
        "load_at_end": load(),
        "records": count,
        "seed_seconds": round(seeded, 1),
        "first_batch_written_after_s": _since(written, requested),
        "first_batch_answered_after_s": _since(answered, requested),
        "worker_rss_idle_mb": round(idle_rss, 1),
        "worker_peak_rss_before_run_mb": round(idle_peak, 1),
        "worker_peak_rss_mb": round(peak, 1),
        "rss_mb_highest_per_10s": _per_ten_seconds(samples),
        "measured_seconds": seconds,
        "elements_answered": elements,
        "worker_cpu_seconds": round(cpu, 1),
    }


def _since(moment: float | None, origin: float) -> float | None:
    return round(moment - origin, 2) if moment is not None else None


def _per_ten_seconds(samples: list[tuple[float, float]]) -> list[int]:
    highest: dict[int, float] = {}
    for at, rss in samples:
        highest[int(at // 10)] = max(rss, highest.get(int(at // 10), 0.0))
    return [round(highest[k]) for k in sorted(highest)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to sample")
    parser.add_argument("--settle", type=float, default=5.0, help="worker idle time first")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(bench(args.records, args.seconds, args.settle)), indent=2))


if __name__ == "__main__":
    main()
