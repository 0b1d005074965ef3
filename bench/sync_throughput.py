"""Sync throughput with the limits lifted: elements per second through one process, and its CPU.

    PYTHONPATH=src:. .venv/bin/python bench/sync_throughput.py [--records 20000] [--batch 50]

Needs Postgres (XERO_CONNECTOR_TEST_PG, default the local trust-auth server). Starts a sandbox
process with its rate limits lifted and no latency, connects alice's organisation, writes
``--records`` pending contacts straight into a fresh database, and drives one sync run to the
end in this process with the real engine, client and (lifted) limiter, as a worker would:
slices one after another, 5 batches in flight. Prints the wall time, elements per second, and
this process's CPU time per element (the sandbox's CPU is its own).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import resource
import time

import httpx
from sync_support import drop_database, fresh_database
from tests.tokens.sandbox_support import run_sandbox
from tests.xero.sandbox_tenant import api_client, connect_all

from xero_connector.context import sync_engine
from xero_connector.db.engine import make_engine, make_session_factory
from xero_connector.db.repos import records, sync_runs
from xero_connector.db.repos.records import RecordInput
from xero_connector.settings import Settings
from xero_connector.sync.requests import request_sync
from xero_connector.vault import LocalKeyring, Vault
from xero_connector.vault.keyring import generate_key_entry
from xero_connector.xero.limiter import LimitConfig

LIFTED: tuple[str, ...] = ("--tenant-per-minute", "100000000", "--tenant-per-day", "100000000")
LIFTED += ("--app-per-minute", "100000000", "--tenant-concurrency", "50", "--no-strict")


class NoQueue:
    """This process drives the slices itself: the engine's next-slice enqueues are dropped."""

    async def enqueue(
        self, job: str, *args: object, job_id: str, defer_until: object = None
    ) -> bool:
        return True


async def bench(count: int, batch: int) -> None:
    url, name = await fresh_database()
    engine = make_engine(url, pool_size=20)
    sessions = make_session_factory(engine)
    vault = Vault(LocalKeyring.from_setting(generate_key_entry()))
    lifted = LimitConfig(
        tenant_concurrency=50, tenant_minute=10**8, tenant_day=10**8, app_minute=10**8
    )
    try:
        with run_sandbox(grace_seconds=1800, extra=LIFTED) as server:
            async with httpx.AsyncClient(timeout=30) as http:
                tenant = await connect_all(server, http, sessions, vault)
                connection_id = tenant.refs[0].connection_id
                items = [
                    RecordInput(
                        f"c-{n}",
                        {"external_id": f"c-{n}", "name": f"Customer {n}"},
                        hashlib.sha256(str(n).encode()).hexdigest(),
                        [],
                        False,
                    )
                    for n in range(count)
                ]
                async with sessions() as session:
                    for start in range(0, count, 1000):
                        await records.upsert_many(
                            session,
                            connection_id=connection_id,
                            kind="contact",
                            items=items[start : start + 1000],
                        )
                    run = (await request_sync(session, connection_id, "manual")).run
                    await session.commit()
                async with api_client(server, http, sessions, vault, config=lifted) as client:
                    settings = Settings(sync_batch_size=batch, sync_slice_seconds=20)
                    sync = sync_engine(
                        settings,
                        session_factory=sessions,
                        xero_api=client,
                        dispatcher=NoQueue(),
                    )
                    started, cpu = time.perf_counter(), time.process_time()
                    while True:
                        async with sessions() as session:
                            current = await sync_runs.get_run(session, run.id)
                        assert current is not None
                        if current.status in ("succeeded", "partial", "failed"):
                            break
                        await sync.run_slice(current.id, current.step)
                    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
                stats = (await http.get(f"{server.origin}/_sandbox/stats")).json()
        print(f"run {current.status}: {current.done} elements in {wall:.1f} s")
        print(f"{current.done / wall:.0f} elements/s through one process")
        print(f"{cpu / max(1, current.done) * 1e6:.0f} us CPU per element in this process")
        print(f"sandbox objects: {stats['objects']}, breaches: {stats['breaches_total']}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(f"peak RSS of this process: {peak} MB")
    finally:
        await engine.dispose()
        await drop_database(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(bench(args.records, args.batch))


if __name__ == "__main__":
    main()
