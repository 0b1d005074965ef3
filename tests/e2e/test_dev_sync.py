"""Dev mode (SQLite, in-process jobs and limiter, the built-in sandbox) over real HTTP: README's
"Syncing to Xero" walk-through. Mappings, contacts, invoices and a bank transaction go in; one
requested run pushes them; each lands in the sandbox once, and a refused contact fails with
Xero's message while the document that needs it waits blocked."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import httpx
import pytest

from tests.e2e.connector import Connector, Sandbox, connect_through_xero, outcome_of
from tests.e2e.consent import ALICE, AU

pytestmark = [pytest.mark.e2e]

FINAL = {"succeeded", "partial", "failed"}
MAPPINGS = [
    {"kind": "account", "source_key": "Consulting", "target": {"code": "200"}},
    {"kind": "account", "source_key": "Office", "target": {"code": "400"}},
    {"kind": "tax", "source_key": "GST", "target": {"tax_type": "OUTPUT"}},
    {"kind": "tax", "source_key": "GST on costs", "target": {"tax_type": "INPUT"}},
    {"kind": "bank_account", "source_key": "Main", "target": {"code": "090"}},
]
CONTACTS = [
    {"external_id": "cust-1", "name": "Acme Ltd"},
    {"external_id": "cust-2", "name": "Globex Pty"},
    # The sandbox organisation already has a contact of this name: Xero refuses a second one.
    {"external_id": "cust-dup", "name": "ABC Furniture"},
]
LINE = {
    "description": "Advice",
    "unit_amount": "120.00",
    "category": "Consulting",
    "tax_code": "GST",
}
INVOICES = [
    {
        "external_id": f"inv-{n}",
        "type": "sales",
        "contact_external_id": contact,
        "issue_date": "2026-11-30",
        "due_date": "2026-12-30",
        "status": "authorised",
        "lines": [LINE],
    }
    for n, contact in ((1, "cust-1"), (2, "cust-2"), (3, "cust-dup"))
]
BANK_TRANSACTIONS = [
    {
        "external_id": "bt-1",
        "type": "spend",
        "money_account": "Main",
        "contact_external_id": "cust-1",
        "date": "2026-11-29",
        "lines": [
            {
                "description": "Paper",
                "unit_amount": "33.00",
                "category": "Office",
                "tax_code": "GST on costs",
            }
        ],
    }
]


async def _call(connector: Connector, method: str, path: str, **kwargs: Any) -> httpx.Response:
    auth = {"Authorization": f"Bearer {connector.api_key}"}
    return await connector.http.request(method, f"{connector.base}{path}", headers=auth, **kwargs)


async def _settings_pulled(connector: Connector, connection_id: str) -> None:
    """The first pull after connecting; earlier tests may have spent the tenant's minute."""
    deadline = time.monotonic() + 90
    while (await _call(connector, "GET", f"/v1/connections/{connection_id}")).json()[
        "settings_pulled_at"
    ] is None:
        assert time.monotonic() < deadline, "the settings pull did not finish"
        await asyncio.sleep(0.2)


async def _final(connector: Connector, run_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        run: dict[str, Any] = (await _call(connector, "GET", f"/v1/syncs/{run_id}")).json()
        if run["status"] in FINAL:
            return run
        assert time.monotonic() < deadline, f"the run did not finish: {run}"
        await asyncio.sleep(0.2)


async def _records(connector: Connector, connection_id: str) -> dict[str, dict[str, Any]]:
    answer = await _call(connector, "GET", f"/v1/connections/{connection_id}/records?limit=100")
    assert answer.status_code == 200, answer.text
    return {r["external_id"]: r for r in answer.json()["items"]}


async def test_dev_syncs_the_readme_walk_through_into_the_sandbox_once(
    connector: Connector, sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    outcome = outcome_of(await connect_through_xero(connector, "ws-dev-sync", ALICE))
    [connection_id] = outcome["connection_ids"].split(",")
    await _settings_pulled(connector, connection_id)
    base = f"/v1/connections/{connection_id}"
    put = await _call(connector, "PUT", f"{base}/mappings", json={"items": MAPPINGS})
    assert put.status_code == 200, put.text
    for path, items in (
        ("contacts", CONTACTS),
        ("invoices", INVOICES),
        ("bank-transactions", BANK_TRANSACTIONS),
    ):
        answer = await _call(connector, "POST", f"{base}/{path}", json={"items": items})
        assert answer.status_code == 200, answer.text
        assert {i["result"] for i in answer.json()["items"]} == {"accepted"}, answer.text

    requested = await _call(connector, "POST", f"{base}/sync")
    assert requested.status_code in (200, 202), requested.text
    run = await _final(connector, requested.json()["id"])
    # The run may be the one ingestion asked for; whichever, it settles every record.
    assert run["status"] == "partial", run
    assert run["progress"]["done"] == run["progress"]["total"] == 7, run

    records = await _records(connector, connection_id)
    statuses = {external_id: r["status"] for external_id, r in records.items()}
    assert statuses == {
        "cust-1": "synced",
        "cust-2": "synced",
        "cust-dup": "failed",
        "inv-1": "synced",
        "inv-2": "synced",
        "inv-3": "blocked",
        "bt-1": "synced",
    }
    assert any("already" in message for message in records["cust-dup"]["errors"]), records
    assert "cust-dup" in (records["inv-3"]["blocked_reason"] or ""), records["inv-3"]
    assert all(r["xero_id"] for r in records.values() if r["status"] == "synced")

    tenant = (await http.get(f"{sandbox.origin}/_sandbox/state", params={"tenant": AU})).json()
    names = Counter(c["Name"] for c in tenant["tenant"]["contacts"])
    assert names["Acme Ltd"] == names["Globex Pty"] == names["ABC Furniture"] == 1
    xero_ids = {r["xero_id"] for r in records.values() if r["kind"] == "invoice" and r["xero_id"]}
    assert xero_ids <= {i["InvoiceID"] for i in tenant["tenant"]["invoices"]}
    assert len(xero_ids) == 2
    await sandbox.assert_clean()
