"""The same callback URL arriving twice at once (a double click, a retried redirect)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import DevInstance
from tests.e2e.connector import RETURN_URL, Connector, Sandbox
from tests.e2e.consent import BOB, consent_as, query_of

pytestmark = [pytest.mark.e2e]


def stored(directory: Path, workspace_id: str) -> tuple[int, int]:
    """(grants, connections) the connector's database holds for the workspace."""
    with sqlite3.connect(directory / "xero-connector.db") as db:
        grants = db.execute(
            "SELECT count(*) FROM xero_grants WHERE workspace_id = ?", (workspace_id,)
        ).fetchone()[0]
        connections = db.execute(
            "SELECT count(*) FROM connections WHERE workspace_id = ?", (workspace_id,)
        ).fetchone()[0]
    return int(grants), int(connections)


@pytest.mark.parametrize("round_", range(3))
async def test_two_racing_callbacks_with_one_state_connect_exactly_once(
    round_: int, dev: DevInstance, connector: Connector, sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    workspace_id = f"ws-bob-double-click-{round_}"
    callback_url = await consent_as(http, await connector.connect(workspace_id), BOB)

    async with httpx.AsyncClient(timeout=20) as other_browser:
        answers = await asyncio.gather(
            connector.callback(callback_url),
            other_browser.get(callback_url, follow_redirects=False),
        )

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [303, 400], [a.text[:300] for a in answers]
    won = next(a for a in answers if a.status_code == 303)
    lost = next(a for a in answers if a.status_code == 400)
    assert query_of(won.headers["location"])["status"] == "connected"
    assert won.headers["location"].startswith(RETURN_URL)
    assert lost.headers["content-type"].startswith("application/problem+json")
    assert stored(dev.directory, workspace_id) == (1, 2)
    assert len(await connector.connections(workspace_id)) == 2
    assert (await sandbox.stats())["token_calls"] == {"authorization_code": 1}
