"""Reading documents: paging, where, order, If-Modified-Since, id lists and look-ups."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from .accounting_api import Api, invoice, open_api


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async with open_api() as opened:
        for n in range(120):
            status = "DRAFT" if n % 2 else "AUTHORISED"
            await api_put(
                opened, invoice(InvoiceNumber=f"R-{n:03d}", Status=status, Reference=f"ref {n}")
            )
        yield opened


async def api_put(api: Api, body: dict[str, object]) -> None:
    response = await api.put("Invoices", [body])
    assert response.status_code == 200, response.text


def numbers(response_json: dict[str, list[dict[str, str]]]) -> list[str]:
    return [i["InvoiceNumber"] for i in response_json["Invoices"]]


async def test_without_page_everything_is_returned(api: Api) -> None:
    assert len((await api.get("/Invoices")).json()["Invoices"]) == 122


async def test_page_holds_100_by_default(api: Api) -> None:
    body = (await api.get("/Invoices", page=2)).json()
    assert (len(body["Invoices"]), body["pagination"]) == (
        22,
        {"page": 2, "pageSize": 100, "pageCount": 2, "itemCount": 122},
    )


async def test_page_size_is_honoured(api: Api) -> None:
    body = (await api.get("/Invoices", page=3, pageSize=50)).json()
    assert len(body["Invoices"]) == 22


async def test_page_size_is_capped_at_1000(api: Api) -> None:
    body = (await api.get("/Invoices", page=1, pageSize=5000)).json()
    assert body["pagination"]["pageSize"] == 1000


async def test_where_status_filters(api: Api) -> None:
    body = (await api.get("/Invoices", where='Status=="DRAFT"')).json()
    assert [i["Status"] for i in body["Invoices"]] == ["DRAFT"] * 61


async def test_where_joins_conditions_with_and(api: Api) -> None:
    body = (await api.get("/Invoices", where='Type=="ACCREC" && Reference=="ref 7"')).json()
    assert numbers(body) == ["R-007"]


async def test_where_invoice_number(api: Api) -> None:
    body = (await api.get("/Invoices", where='InvoiceNumber=="R-042"')).json()
    assert numbers(body) == ["R-042"]


async def test_where_contact_number_on_contacts(api: Api) -> None:
    body = (await api.get("/Contacts", where='ContactNumber=="SUPP-002"')).json()
    assert [c["Name"] for c in body["Contacts"]] == ["Pinnacle Office Supplies"]


async def test_where_by_contact_guid(api: Api) -> None:
    contact = (await api.get("/Contacts/CUST-002")).json()["Contacts"][0]
    body = (
        await api.get("/Invoices", where=f'Contact.ContactID==GUID("{contact["ContactID"]}")')
    ).json()
    assert body["Invoices"] == []


async def test_unreadable_where_is_a_query_parse_exception(api: Api) -> None:
    response = await api.get("/Invoices", where='Status=="DRAFT" AND')
    assert (response.status_code, response.json()["Type"]) == (400, "QueryParseException")


async def test_order_descending(api: Api) -> None:
    body = (
        await api.get(
            "/Invoices", where='InvoiceNumber.StartsWith("R-")', order="InvoiceNumber DESC"
        )
    ).json()
    assert numbers(body)[:2] == ["R-119", "R-118"]


async def test_if_modified_since_returns_only_later_changes(api: Api) -> None:
    api.world.clock.advance(60)
    await api_put(api, invoice(InvoiceNumber="LATE-1"))
    since = api.world.clock.now() - 30
    header = datetime.fromtimestamp(since, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    body = (await api.get("/Invoices", headers=api.headers(**{"If-Modified-Since": header}))).json()
    assert numbers(body) == ["LATE-1"]


async def test_ids_parameter_selects_invoices(api: Api) -> None:
    wanted = numbers((await api.get("/Invoices", page=1, pageSize=2)).json())
    ids = [
        i["InvoiceID"] for i in (await api.get("/Invoices", page=1, pageSize=2)).json()["Invoices"]
    ]
    assert numbers((await api.get("/Invoices", IDs=",".join(ids))).json()) == wanted


async def test_invoice_is_found_by_id(api: Api) -> None:
    first = (await api.get("/Invoices", page=1, pageSize=1)).json()["Invoices"][0]
    assert numbers((await api.get(f"/Invoices/{first['InvoiceID']}")).json()) == [
        first["InvoiceNumber"]
    ]


async def test_invoice_is_found_by_number(api: Api) -> None:
    assert numbers((await api.get("/Invoices/R-010")).json()) == ["R-010"]


async def test_unknown_invoice_is_404(api: Api) -> None:
    assert (await api.get("/Invoices/00000000-0000-4000-8000-000000000000")).status_code == 404
