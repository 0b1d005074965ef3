"""Xero's daily limit parks a run as ``waiting`` until it resets; then it resumes by itself.

A sandbox of its own, time-scaled so that its day lasts about four real seconds (the
connector's limiter is scaled alike).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.mappings.conftest import AU
from tests.sync.sandbox_support import SyncConnector, sync_connector
from tests.tokens.sandbox_support import SandboxServer, run_sandbox
from xero_connector.vault import Vault

TIME_SCALE = 20000.0


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    # codes and tokens keep their real-time lifetimes (a sandbox day is ~4 s)
    extra: tuple[str, ...] = ("--auto-approve", "carol", "--time-scale", str(TIME_SCALE))
    lifetimes = ("--code-seconds", "100000000", "--access-token-seconds", "100000000")
    extra = (*extra, *lifetimes)
    with run_sandbox(grace_seconds=1800, extra=extra) as running:
        yield running


@pytest.fixture
async def connector(
    server: SandboxServer, sessions: async_sessionmaker[AsyncSession], vault: Vault
) -> AsyncIterator[SyncConnector]:
    async with sync_connector(server, sessions, vault, time_scale=TIME_SCALE) as running:
        yield running


async def test_the_daily_limit_parks_the_run_and_it_resumes_by_itself(
    connector: SyncConnector,
) -> None:
    connections = await connector.connect()
    connection_id = connections[AU]
    used_up = await connector.http.post(
        f"{connector.sandbox.origin}/_sandbox/limits", json={"tenant": AU, "day_remaining": 0}
    )
    assert used_up.status_code == 200, used_up.text
    contacts = [{"external_id": f"c-{n}", "name": f"Customer {n}"} for n in range(120)]
    await connector.ingest(connection_id, "contact", contacts)  # requests a run
    parked = None
    for _ in range(1000):
        seen = await connector.get(f"/v1/connections/{connection_id}")
        if seen["last_sync"]["status"] == "waiting" and seen["rate_limited_until"] is not None:
            parked = seen
            break
        await asyncio.sleep(0.005)
    assert parked is not None, "the run never parked"
    run_id = parked["last_sync"]["id"]
    run = await connector.settled(connection_id, within=60)
    assert run["id"] == run_id  # the same run resumed by itself: nothing triggered another
    assert run["status"] == "succeeded", run
    assert await connector.statuses(connection_id) == {"synced": 120}
    stats = await connector.stats()
    assert stats["breaches"].get("day", 0) >= 1
    assert stats["breaches"].get("minute", 0) == 0
