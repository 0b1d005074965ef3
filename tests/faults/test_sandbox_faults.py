"""A whole sync against a sandbox that answers 20% of API calls with a 500 or 503 and drops the
answer of 5% of its writes (applied, never answered): every record still lands exactly once.

Every 5xx or lost answer costs the run a pause and a lookup, so the batches are larger here (a
few dozen calls in all). At such numbers the shares might by chance hit nothing, so the first
write's answer is dropped and the second answered 500 for certain (scripted) on top of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REDIS_URL, MakeDatabase
from tests.faults.cluster import deployment

pytestmark = [pytest.mark.slow]


async def test_a_sync_through_5xx_answers_and_dropped_answers_lands_every_record_once(
    tmp_path: Path, make_database: MakeDatabase
) -> None:
    async with deployment(tmp_path, database_url=await make_database(), redis_url=REDIS_URL) as rig:
        connection_id = await rig.connected_and_mapped()
        await rig.connector.faults(fault_5xx=0.2, fault_drop=0.05)  # before the run starts
        await rig.connector.faults(next_write=["drop", "500"])
        await rig.ingest_mix(connection_id)
        await rig.settle(connection_id)
        stats = await rig.connector.stats()
        faults = stats["faults"]
        assert faults.get("500", 0) + faults.get("503", 0) > 0, faults
        assert faults.get("drop", 0) > 0, faults
        assert stats["breaches_total"] == 0, stats["breaches"]
