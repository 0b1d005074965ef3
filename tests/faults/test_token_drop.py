"""The token endpoint drops a refresh answer mid-sync: the sandbox rotates the refresh token and
never answers. Access tokens last 2 s here, so refreshes happen all through the sync; the
connector sends the same refresh token again within Xero's grace, the sync goes on, and every
record lands exactly once with no refresh refused and the connection still active."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import REDIS_URL, MakeDatabase
from tests.e2e.test_scale_out import wait_for
from tests.faults.cluster import TOTAL, Rig, deployment
from tests.sync.test_sandbox_sync import TIME_SCALE
from xero_connector.db.models import Record

pytestmark = [pytest.mark.slow]

ACCESS_TOKEN_SECONDS = int(2 * TIME_SCALE)  # sandbox seconds: 2 real seconds


async def test_a_refresh_answer_dropped_mid_sync_is_recovered_and_loses_nothing(
    tmp_path: Path, make_database: MakeDatabase
) -> None:
    async with deployment(
        tmp_path,
        database_url=await make_database(),
        redis_url=REDIS_URL,
        sandbox_args=("--access-token-seconds", str(ACCESS_TOKEN_SECONDS)),
        settings={"REFRESH_MARGIN_SECONDS": "1"},
    ) as rig:
        connection_id = await rig.connected_and_mapped()
        await rig.ingest_mix(connection_id)
        await rig.wait_landed(TOTAL // 6)
        await asyncio.to_thread(rig.sandbox.fail_next_refreshes, "drop")
        dropped_by = await _dropped(rig)
        await rig.settle(connection_id)
        assert await _synced_after(rig, connection_id, dropped_by) > 0, "the sync ended first"
        stats = await rig.connector.stats()
        assert stats["invalid_grant"] == {}, stats["invalid_grant"]
        assert sum(stats["grace_reuses"].values()) >= 1  # the lost answer's token, sent again
        connection = await rig.connector.get(f"/v1/connections/{connection_id}")
        assert connection["status"] == "active"


async def _dropped(rig: Rig) -> datetime:
    """Wait until a refresh call met the scripted drop; a time by which it had."""

    async def consumed() -> bool:
        answer = await rig.connector.http.get(f"{rig.sandbox.origin}/_sandbox/faults")
        answer.raise_for_status()
        return bool(answer.json()["next_refresh"] == [])

    await wait_for("a refresh call to meet the drop", consumed, seconds=60)
    return datetime.now(UTC)


async def _synced_after(rig: Rig, connection_id: str, moment: datetime) -> int:
    async with rig.connector.sessions() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Record)
            .where(Record.connection_id == connection_id, Record.synced_at > moment)
        )
    return int(count or 0)
