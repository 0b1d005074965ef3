"""Organisation, chart of accounts, tax rates and tracking categories as seeded per country."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .accounting_api import AU, UK, US, Api, open_api


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async with open_api() as opened:
        yield opened


async def test_organisation_reports_timezone_currency_and_country(api: Api) -> None:
    org = (await api.get("/Organisation")).json()["Organisations"][0]
    assert (org["Name"], org["Timezone"], org["BaseCurrency"], org["CountryCode"]) == (
        "Demo Company (AU)",
        "AUSEASTERNSTANDARDTIME",
        "AUD",
        "AU",
    )


async def test_each_tenant_sees_its_own_organisation(api: Api) -> None:
    names = [
        (await api.get("/Organisation", headers=api.headers(tenant))).json()["Organisations"][0][
            "BaseCurrency"
        ]
        for tenant in (AU, UK, US)
    ]
    assert names == ["AUD", "GBP", "USD"]


async def test_au_chart_has_bank_archived_and_system_accounts(api: Api) -> None:
    accounts = {a["Code"]: a for a in (await api.get("/Accounts")).json()["Accounts"]}
    assert accounts["090"]["Type"] == "BANK"
    assert accounts["455"]["Status"] == "ARCHIVED"
    assert accounts["610"]["SystemAccount"] == "DEBTORS"


async def test_accounts_filter_by_where_type(api: Api) -> None:
    accounts = (await api.get("/Accounts", where='Type=="BANK"')).json()["Accounts"]
    assert {a["Code"] for a in accounts} == {"090", "091"}


async def test_account_is_found_by_id(api: Api) -> None:
    first = (await api.get("/Accounts")).json()["Accounts"][0]
    found = (await api.get(f"/Accounts/{first['AccountID']}")).json()["Accounts"]
    assert [a["Code"] for a in found] == [first["Code"]]


async def test_au_gst_on_income_applies_to_revenue_not_expenses(api: Api) -> None:
    rates = {r["TaxType"]: r for r in (await api.get("/TaxRates")).json()["TaxRates"]}
    output = rates["OUTPUT"]
    assert (output["EffectiveRate"], output["CanApplyToRevenue"], output["CanApplyToExpenses"]) == (
        10.0,
        True,
        False,
    )


async def test_au_has_the_usual_gst_codes(api: Api) -> None:
    rates = {r["TaxType"] for r in (await api.get("/TaxRates")).json()["TaxRates"]}
    assert {"INPUT", "OUTPUT", "EXEMPTEXPENSES", "BASEXCLUDED", "INPUTTAXED"} <= rates


async def test_uk_charges_twenty_percent_vat(api: Api) -> None:
    rates = (await api.get("/TaxRates", headers=api.headers(UK), TaxType="OUTPUT2")).json()
    assert rates["TaxRates"][0]["EffectiveRate"] == 20.0


async def test_us_sales_tax_has_components(api: Api) -> None:
    rates = (await api.get("/TaxRates", headers=api.headers(US), TaxType="TAX001")).json()
    assert len(rates["TaxRates"][0]["TaxComponents"]) == 3


async def test_tracking_hides_archived_categories_and_options(api: Api) -> None:
    uk = (await api.get("/TrackingCategories", headers=api.headers(UK))).json()
    au = (await api.get("/TrackingCategories")).json()
    region = next(c for c in au["TrackingCategories"] if c["Name"] == "Region")
    assert [c["Name"] for c in uk["TrackingCategories"]] == ["Cost Centre"]
    assert "Central" not in {o["Name"] for o in region["Options"]}


async def test_tracking_include_archived_shows_them(api: Api) -> None:
    uk = (
        await api.get("/TrackingCategories", headers=api.headers(UK), includeArchived="true")
    ).json()
    assert {c["Name"] for c in uk["TrackingCategories"]} == {"Cost Centre", "Project"}


async def test_missing_token_is_401(api: Api) -> None:
    response = await api.get("/Accounts", headers={"xero-tenant-id": AU})
    assert response.status_code == 401


async def test_tenant_outside_the_token_is_403(api: Api) -> None:
    token = api.world.issue_test_token([AU])
    response = await api.get(
        "/Accounts", headers={"Authorization": f"Bearer {token}", "xero-tenant-id": UK}
    )
    assert (response.status_code, response.json()["Detail"]) == (403, "AuthenticationUnsuccessful")


async def test_the_tenant_header_matches_its_guid_in_any_case(api: Api) -> None:
    token = api.world.issue_test_token([AU])
    response = await api.get(
        "/Accounts", headers={"Authorization": f"Bearer {token}", "xero-tenant-id": AU.upper()}
    )
    assert response.status_code == 200
    assert response.json()["Accounts"]
