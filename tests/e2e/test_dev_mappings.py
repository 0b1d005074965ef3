"""Dev mode (SQLite, in-process jobs, built-in sandbox) over real HTTP: the first settings pull
after connecting, the read API, mappings, and drift after a change inside Xero."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.e2e.connector import Connector, Sandbox, connect_through_xero, outcome_of
from tests.e2e.consent import ALICE, AU

pytestmark = [pytest.mark.e2e]


async def _get(connector: Connector, path: str, **params: Any) -> dict[str, Any]:
    answer = await connector.http.get(
        f"{connector.base}{path}",
        params=params,
        headers={"Authorization": f"Bearer {connector.api_key}"},
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def _pulled_after(connector: Connector, connection_id: str, after: str | None) -> str:
    """Wait for the connection's ``settings_pulled_at`` to move past ``after``."""
    deadline = time.monotonic() + 30
    while True:
        pulled = (await _get(connector, f"/v1/connections/{connection_id}"))["settings_pulled_at"]
        if pulled is not None and (after is None or _at(pulled) > _at(after)):
            return str(pulled)
        assert time.monotonic() < deadline, "the settings pull did not finish"
        await asyncio.sleep(0.2)


async def test_dev_pulls_settings_after_connect_and_shows_drift_after_a_change_in_xero(
    connector: Connector, sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    outcome = outcome_of(await connect_through_xero(connector, "ws-dev-mappings", ALICE))
    [connection_id] = outcome["connection_ids"].split(",")
    first = await _pulled_after(connector, connection_id, None)

    bank = await _get(connector, f"/v1/connections/{connection_id}/accounts", usable_for="bank")
    assert {a["code"] for a in bank["items"]} == {"090", "091"}
    assert bank["pulled_at"] == first
    auth = {"Authorization": f"Bearer {connector.api_key}"}
    put = await http.put(
        f"{connector.base}/v1/connections/{connection_id}/mappings",
        json={
            "items": [
                {"kind": "account", "source_key": "sales", "target": {"code": "200"}},
                {"kind": "tax", "source_key": "gst", "target": {"tax_type": "OUTPUT"}},
                {"kind": "bank_account", "source_key": "main", "target": {"code": "090"}},
            ]
        },
        headers=auth,
    )
    assert put.status_code == 200, put.text
    assert {i["status"] for i in put.json()["items"]} == {"ok"}

    changed = await http.post(
        f"{sandbox.origin}/_sandbox/settings",
        json={"tenant": AU, "changes": [{"account": "090", "status": "ARCHIVED"}]},
    )
    assert changed.status_code == 200, changed.text
    pull = await http.post(
        f"{connector.base}/v1/connections/{connection_id}/settings/pull", headers=auth
    )
    assert pull.status_code == 202, pull.text
    await _pulled_after(connector, connection_id, first)
    mappings = await _get(connector, f"/v1/connections/{connection_id}/mappings")
    states = {i["source_key"]: (i["status"], i["reason"]) for i in mappings["items"]}
    assert states == {
        "gst": ("ok", None),
        "main": ("drifted", "account 090 Business Bank Account is archived in Xero"),
        "sales": ("ok", None),
    }
    await sandbox.assert_clean()
