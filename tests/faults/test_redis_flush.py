"""Redis flushed (FLUSHALL) twice mid-sync: every queued job, deferred slice and limiter count
is gone. The rows say what is due, so the workers' sweeps put it back; every record lands exactly
once. The Redis is the test's own (``redis-server`` on a free port), never the shared one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import MakeDatabase
from tests.faults.cluster import TOTAL, deployment
from tests.faults.services import throwaway_redis

pytestmark = [pytest.mark.slow]


async def test_redis_flushed_twice_mid_sync_loses_nothing_and_duplicates_nothing(
    tmp_path: Path, make_database: MakeDatabase
) -> None:
    database_url = await make_database()
    with throwaway_redis() as redis:
        async with deployment(tmp_path, database_url=database_url, redis_url=redis.url) as rig:
            connection_id = await rig.connected_and_mapped()
            await rig.ingest_mix(connection_id)
            for share in (4, 2):  # a quarter in, then half way
                await rig.wait_landed(TOTAL // share)
                redis.flush()
                assert await rig.landed() < TOTAL, "the sync ended before the flush"
            await rig.settle(connection_id)
            assert rig.alive(), "a process exited"
