"""The settings pull: right after the callback, on demand, and what it stores (sandbox over HTTP,
real Postgres)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tests.mappings.conftest import AU, UK, US, SandboxConnector
from xero_connector.auth.api_keys import issue_api_key
from xero_connector.auth.policy import Role
from xero_connector.db.models import Connection


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def test_the_first_pull_runs_right_after_the_callback(connector: SandboxConnector) -> None:
    connections = await connector.connect()
    assert set(connections) == {AU, UK, US}
    for tenant, connection_id in connections.items():
        read = await connector.get(f"/v1/connections/{connection_id}")
        assert read["settings_pulled_at"] is not None, tenant
        accounts = await connector.get(f"/v1/connections/{connection_id}/accounts")
        assert accounts["pulled_at"] == read["settings_pulled_at"]
        assert accounts["items"], tenant
    # One call of each settings endpoint per organisation, nothing else.
    for path in ("Organisation", "Accounts", "TaxRates", "TrackingCategories"):
        assert len(connector.calls_to(path)) == 3, path


async def test_the_pull_stores_the_organisation_on_the_connection(
    connector: SandboxConnector,
) -> None:
    await connector.connect()
    async with connector.sessions() as session:
        rows = {row.tenant_id: row for row in (await session.scalars(select(Connection))).all()}
    au, uk, us = rows[AU], rows[UK], rows[US]
    assert (au.base_currency, au.country) == ("AUD", "AU")
    assert au.timezone
    assert (uk.base_currency, uk.country) == ("GBP", "GB")
    assert (us.base_currency, us.country) == ("USD", "US")
    assert au.default_sales_tax == "Tax Exclusive"
    assert au.default_purchases_tax == "Tax Inclusive"
    assert au.tenant_name == "Demo Company (AU)"


async def test_accounts_tax_rates_and_tracking_come_back_as_the_contract_shapes_them(
    connector: SandboxConnector,
) -> None:
    au = (await connector.connect())[AU]
    accounts = (await connector.get(f"/v1/connections/{au}/accounts"))["items"]
    sales = next(a for a in accounts if a["code"] == "200")
    assert set(sales) == {
        "account_id",
        "code",
        "name",
        "type",
        "class",
        "status",
        "tax_type",
        "enable_payments",
        "system_account",
    }
    assert (sales["name"], sales["type"], sales["class"], sales["status"]) == (
        "Sales",
        "REVENUE",
        "REVENUE",
        "ACTIVE",
    )
    assert sales["tax_type"] == "OUTPUT"
    debtors = next(a for a in accounts if a["code"] == "610")
    assert debtors["system_account"] == "DEBTORS"
    rates = (await connector.get(f"/v1/connections/{au}/tax-rates"))["items"]
    gst = next(r for r in rates if r["tax_type"] == "OUTPUT")
    assert gst == {
        "tax_type": "OUTPUT",
        "name": "GST on Income",
        "status": "ACTIVE",
        "effective_rate": "10.0000",
        "can_apply_to": ["revenue", "assets", "liabilities"],
    }
    tracking = (await connector.get(f"/v1/connections/{au}/tracking-categories"))["items"]
    region = next(c for c in tracking if c["name"] == "Region")
    assert region["status"] == "ACTIVE"
    options = {o["name"]: o["status"] for o in region["options"]}
    assert options == {
        "North": "ACTIVE",
        "South": "ACTIVE",
        "East": "ACTIVE",
        "West": "ACTIVE",
        "Central": "ARCHIVED",
    }


async def test_a_pull_on_demand_answers_202_and_settings_pulled_at_moves(
    connector: SandboxConnector,
) -> None:
    au = (await connector.connect())[AU]
    before = (await connector.get(f"/v1/connections/{au}"))["settings_pulled_at"]
    asked = await connector.pull(au)
    after = (await connector.get(f"/v1/connections/{au}"))["settings_pulled_at"]
    assert asked["requested_at"].endswith("Z")
    assert _at(before) < _at(asked["requested_at"]) < _at(after)


async def test_a_disconnected_connection_cannot_be_pulled(connector: SandboxConnector) -> None:
    au = (await connector.connect())[AU]
    deleted = await connector.client.delete(f"/v1/connections/{au}", headers=connector.headers)
    assert deleted.status_code == 204
    answer = await connector.client.post(
        f"/v1/connections/{au}/settings/pull", headers=connector.headers
    )
    assert answer.status_code == 409
    assert "disconnected" in answer.json()["detail"]
    # Still readable, as the cache of what it was.
    assert (await connector.get(f"/v1/connections/{au}/accounts"))["items"]


async def test_another_workspaces_settings_and_mappings_are_not_found(
    connector: SandboxConnector,
) -> None:
    au = (await connector.connect())[AU]
    async with connector.sessions() as session:
        issued = await issue_api_key(
            session, name="other", role=Role.SERVICE, workspace_id="ws-other", actor="t", source="t"
        )
        await session.commit()
    other = {"Authorization": f"Bearer {issued.key}"}
    for path in ("accounts", "tax-rates", "tracking-categories", "mappings"):
        answer = await connector.client.get(f"/v1/connections/{au}/{path}", headers=other)
        assert answer.status_code == 404, path
    pull = await connector.client.post(f"/v1/connections/{au}/settings/pull", headers=other)
    assert pull.status_code == 404
    put = await connector.client.put(
        f"/v1/connections/{au}/mappings", json={"items": []}, headers=other
    )
    assert put.status_code == 404
