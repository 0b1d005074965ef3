"""``/_sandbox/settings``: an organisation's settings change while a client runs (drift tests)."""

from __future__ import annotations

from typing import Any

import httpx

from xero_connector.sandbox.app import Sandbox

from .accounting_api import AU, invoice, line, messages
from .conftest import CLIENT_ID, SandboxFactory

API = "/api.xro/2.0"


async def _client(
    make_sandbox: SandboxFactory,
) -> tuple[httpx.AsyncClient, Sandbox, dict[str, str]]:
    client, sandbox, _ = await make_sandbox()
    token = sandbox.world.issue_test_token([AU], client_id=CLIENT_ID)
    return client, sandbox, {"Authorization": f"Bearer {token}", "xero-tenant-id": AU}


async def _change(client: httpx.AsyncClient, *changes: dict[str, Any]) -> httpx.Response:
    return await client.post("/_sandbox/settings", json={"tenant": AU, "changes": list(changes)})


def _accounts(answer: httpx.Response) -> dict[str, dict[str, Any]]:
    return {a["Code"]: a for a in answer.json()["Accounts"]}


async def test_archiving_an_account_moves_its_updated_date_and_blocks_new_lines(
    make_sandbox: SandboxFactory,
) -> None:
    client, sandbox, headers = await _client(make_sandbox)
    before = _accounts(await client.get(f"{API}/Accounts", headers=headers))["200"]
    sandbox.world.clock.advance(5)
    changed = await _change(client, {"account": "200", "status": "ARCHIVED"})
    assert changed.status_code == 200, changed.text
    after = _accounts(await client.get(f"{API}/Accounts", headers=headers))["200"]
    assert (after["Status"], before["Status"]) == ("ARCHIVED", "ACTIVE")
    assert after["UpdatedDateUTC"] > before["UpdatedDateUTC"]
    written = await client.put(
        f"{API}/Invoices",
        params={"summarizeErrors": "false"},
        json={"Invoices": [invoice()]},
        headers=headers,
    )
    assert messages(written.json()["Invoices"][0]) == [
        "Account code '200' has been archived, or deleted. Each line item must reference a valid "
        "account."
    ]


async def test_if_modified_since_on_accounts_returns_only_what_changed(
    make_sandbox: SandboxFactory,
) -> None:
    client, sandbox, headers = await _client(make_sandbox)
    sandbox.world.clock.advance(5)
    pulled_at = "2025-06-01T00:00:00"  # after the seed, before sandbox time
    unchanged = await client.get(
        f"{API}/Accounts", headers={**headers, "If-Modified-Since": pulled_at}
    )
    assert (unchanged.status_code, unchanged.json()["Accounts"]) == (200, [])
    await _change(client, {"account": "404", "status": "DELETED"}, {"account": "310", "name": "X"})
    since = {**headers, "If-Modified-Since": pulled_at}
    changed = await client.get(f"{API}/Accounts", headers=since)
    found = _accounts(changed)
    assert sorted(found) == ["310", "404"]
    assert (found["404"]["Status"], found["310"]["Name"]) == ("DELETED", "X")


async def test_deleting_a_tax_rate_lists_it_deleted_and_refuses_it_on_lines(
    make_sandbox: SandboxFactory,
) -> None:
    client, _, headers = await _client(make_sandbox)
    assert (await _change(client, {"tax_rate": "OUTPUT", "status": "DELETED"})).status_code == 200
    rates = (await client.get(f"{API}/TaxRates", headers=headers)).json()["TaxRates"]
    assert {r["TaxType"]: r["Status"] for r in rates}["OUTPUT"] == "DELETED"
    written = await client.put(
        f"{API}/Invoices",
        params={"summarizeErrors": "false"},
        json={"Invoices": [invoice()]},
        headers=headers,
    )
    assert messages(written.json()["Invoices"][0]) == [
        "The TaxType code 'OUTPUT' does not exist or cannot be used for this type of transaction."
    ]


async def test_archiving_a_tracking_option_hides_it_and_refuses_it(
    make_sandbox: SandboxFactory,
) -> None:
    client, _, headers = await _client(make_sandbox)
    change = {"tracking_category": "Region", "option": "North", "status": "ARCHIVED"}
    assert (await _change(client, change)).status_code == 200
    categories = (await client.get(f"{API}/TrackingCategories", headers=headers)).json()
    region = next(c for c in categories["TrackingCategories"] if c["Name"] == "Region")
    assert "North" not in {o["Name"] for o in region["Options"]}
    tracked = line(Tracking=[{"Name": "Region", "Option": "North"}])
    written = await client.put(
        f"{API}/Invoices",
        params={"summarizeErrors": "false"},
        json={"Invoices": [invoice(LineItems=[tracked])]},
        headers=headers,
    )
    assert written.json()["Invoices"][0]["StatusAttributeString"] == "ERROR"


async def test_settings_without_if_modified_since_support_ignore_the_header(
    make_sandbox: SandboxFactory,
) -> None:
    client, _, headers = await _client(make_sandbox)
    recent = {**headers, "If-Modified-Since": "2030-01-01T00:00:00"}
    assert (await client.get(f"{API}/TaxRates", headers=recent)).json()["TaxRates"]
    assert (await client.get(f"{API}/TrackingCategories", headers=recent)).json()[
        "TrackingCategories"
    ]
    assert (await client.get(f"{API}/Accounts", headers=recent)).json()["Accounts"] == []


async def test_changes_are_all_or_nothing_and_deleted_is_final(
    make_sandbox: SandboxFactory,
) -> None:
    client, sandbox, _ = await make_sandbox()
    ledger = sandbox.accounting.ledger(AU)
    unknown = await _change(client, {"account": "200", "status": "ARCHIVED"}, {"account": "999"})
    assert unknown.status_code == 404
    assert ledger.accounts["200"].status == "ACTIVE"
    await _change(client, {"account": "200", "status": "DELETED"})
    restored = await _change(client, {"account": "200", "status": "ACTIVE"})
    assert restored.status_code == 409
    malformed = await _change(client, {"account": "200", "tax_rate": "OUTPUT", "status": "X"})
    assert malformed.status_code == 422
    other = await client.post("/_sandbox/settings", json={"tenant": "nope", "changes": [{}]})
    assert other.status_code in (404, 422)


async def test_reset_restores_the_seeded_settings(make_sandbox: SandboxFactory) -> None:
    client, sandbox, _ = await make_sandbox()
    await _change(client, {"tax_rate": "INPUT", "status": "DELETED"})
    await client.post("/_sandbox/reset")
    assert sandbox.accounting.ledger(AU).tax_rates["INPUT"].status == "ACTIVE"
