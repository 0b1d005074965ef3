"""The read API's filters follow Xero's rules (the sandbox's seeded AU and UK charts)."""

from __future__ import annotations

from typing import Any

from tests.mappings.conftest import AU, UK, SandboxConnector


async def _codes(connector: SandboxConnector, connection_id: str, **filters: Any) -> set[str]:
    body = await connector.get(f"/v1/connections/{connection_id}/accounts", **filters)
    return {item["code"] for item in body["items"]}


async def test_accounts_usable_for_lines_leave_out_bank_system_and_archived_accounts(
    connector: SandboxConnector,
) -> None:
    au = (await connector.connect())[AU]
    everything = await _codes(connector, au)
    sales = await _codes(connector, au, usable_for="sales")
    assert sales == await _codes(connector, au, usable_for="purchases")
    assert {"200", "260", "400", "404", "469", "620", "710", "825", "970"} <= sales
    assert not {"090", "091"} & sales  # BANK
    assert not {"610", "800", "820", "840", "860", "877", "960"} & sales  # system accounts
    assert "455" not in sales  # archived
    assert "455" in everything


async def test_accounts_usable_for_bank_are_the_active_bank_accounts(
    connector: SandboxConnector,
) -> None:
    au = (await connector.connect())[AU]
    assert await _codes(connector, au, usable_for="bank") == {"090", "091"}
    await connector.change_at_xero(AU, {"account": "091", "status": "ARCHIVED"})
    await connector.pull(au)
    assert await _codes(connector, au, usable_for="bank") == {"090"}


async def test_accounts_filter_by_status_type_and_class(connector: SandboxConnector) -> None:
    au = (await connector.connect())[AU]
    assert await _codes(connector, au, status="ARCHIVED") == {"455"}
    assert await _codes(connector, au, type="BANK") == {"090", "091"}
    assert await _codes(connector, au, **{"class": "EQUITY"}) == {"960", "970"}
    assert await _codes(connector, au, type="REVENUE", status="ACTIVE") == {"200", "260", "270"}
    bad = await connector.client.get(
        f"/v1/connections/{au}/accounts",
        params={"usable_for": "payroll"},
        headers=connector.headers,
    )
    assert bad.status_code == 422


async def _tax_types(connector: SandboxConnector, connection_id: str, **filters: Any) -> set[str]:
    body = await connector.get(f"/v1/connections/{connection_id}/tax-rates", **filters)
    return {item["tax_type"] for item in body["items"]}


async def test_tax_rates_filter_by_what_they_can_apply_to(connector: SandboxConnector) -> None:
    au = (await connector.connect())[AU]
    revenue = await _tax_types(connector, au, can_apply_to="revenue")
    assert {"OUTPUT", "EXEMPTOUTPUT", "EXEMPTEXPORT", "INPUTTAXED", "BASEXCLUDED"} <= revenue
    assert not {"INPUT", "CAPEXINPUT", "EXEMPTEXPENSES"} & revenue
    # Usable with account 400 Advertising (EXPENSE), by code or by AccountID.
    accounts = (await connector.get(f"/v1/connections/{au}/accounts", type="EXPENSE"))["items"]
    advertising = next(a for a in accounts if a["code"] == "400")
    by_code = await _tax_types(connector, au, account="400", status="ACTIVE")
    assert by_code == await _tax_types(
        connector, au, account=advertising["account_id"], status="ACTIVE"
    )
    assert "INPUT" in by_code
    assert "OUTPUT" not in by_code
    assert await _tax_types(connector, au, status="DELETED") == {"TAX001"}


async def test_tax_rates_for_an_unknown_account_are_422(connector: SandboxConnector) -> None:
    au = (await connector.connect())[AU]
    answer = await connector.client.get(
        f"/v1/connections/{au}/tax-rates", params={"account": "999"}, headers=connector.headers
    )
    assert answer.status_code == 422


async def test_tracking_categories_filter_by_status_and_keep_archived_ones(
    connector: SandboxConnector,
) -> None:
    uk = (await connector.connect())[UK]
    everything = (await connector.get(f"/v1/connections/{uk}/tracking-categories"))["items"]
    assert {c["name"]: c["status"] for c in everything} == {
        "Cost Centre": "ACTIVE",
        "Project": "ARCHIVED",
    }
    archived = await connector.get(f"/v1/connections/{uk}/tracking-categories", status="ARCHIVED")
    assert [c["name"] for c in archived["items"]] == ["Project"]
    assert {o["name"] for o in archived["items"][0]["options"]} == {"Alpha", "Beta"}
