"""PostgreSQL restarted mid-sync (``pg_ctl stop -m fast``, which ends every session, then start):
meanwhile the api answers 503 problem+json; afterwards the same api and worker processes carry
on, and every record lands exactly once. The cluster is the test's own, never the shared one."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import REDIS_URL
from tests.e2e.test_scale_out import wait_for
from tests.faults.cluster import TOTAL, Rig, deployment
from tests.faults.services import migrated_database, throwaway_postgres

pytestmark = [pytest.mark.slow]

OUTAGE_SECONDS = 3.0  # how long the database stays down, at least


async def test_a_postgres_restart_mid_sync_is_a_503_meanwhile_and_loses_nothing(
    tmp_path: Path,
) -> None:
    with throwaway_postgres() as postgres:
        database_url = await migrated_database(postgres)
        async with deployment(tmp_path, database_url=database_url, redis_url=REDIS_URL) as rig:
            connection_id = await rig.connected_and_mapped()
            await rig.ingest_mix(connection_id)
            await rig.wait_landed(TOTAL // 4)
            await asyncio.to_thread(postgres.stop, "fast")
            refused = await _answers_while_down(rig, connection_id)
            await asyncio.to_thread(postgres.start)
            await _answers_again(rig, connection_id)
            assert rig.alive(), "a process exited"
            await rig.settle(connection_id)
            assert rig.alive(), "a process exited"
    assert refused >= 3


async def _answers_while_down(rig: Rig, connection_id: str) -> int:
    """Ask the api for the runs during the outage: each answer is a 503 problem; their number."""
    refused = 0
    ends = time.monotonic() + OUTAGE_SECONDS
    while time.monotonic() < ends or refused < 3:
        answer = await rig.connector.client.get(
            f"/v1/connections/{connection_id}/syncs", headers=rig.connector.headers
        )
        assert answer.status_code == 503, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["status"] == 503
        assert answer.headers.get("retry-after")
        ready = await rig.connector.client.get("/readyz")
        assert ready.status_code == 503, ready.text
        refused += 1
        await asyncio.sleep(0.2)
    return refused


async def _answers_again(rig: Rig, connection_id: str) -> None:
    async def answered() -> bool:
        try:
            answer = await rig.connector.client.get(
                f"/v1/connections/{connection_id}/syncs", headers=rig.connector.headers
            )
        except httpx.HTTPError:
            return False
        assert answer.status_code in (200, 503), answer.text
        return answer.status_code == 200

    await wait_for("the api answering 200 again", answered, seconds=60)
