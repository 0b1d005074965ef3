"""GET .../records, one record, its preview, and POST .../retry."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from tests.ledger.api_support import LedgerApi
from tests.ledger.fakes import Account, FakeResolver, Organisation, Tax
from xero_connector.api.ledger_deps import get_mappings_loader, get_sync_request
from xero_connector.auth.policy import Role
from xero_connector.db.models import Record
from xero_connector.ledger.outbox import MappingsLoader
from xero_connector.ledger.sync_request import SyncTrigger


class Mappings(FakeResolver):
    organisation = Organisation("NZD")


def _loader(mappings: Mappings) -> MappingsLoader:
    async def load(session: AsyncSession, connection_id: str) -> Mappings:
        del session, connection_id
        return mappings

    return load


async def _ingest(
    api: LedgerApi, connection_id: str, route: str, *items: dict[str, Any]
) -> list[str]:
    response = await api.post(f"/v1/connections/{connection_id}/{route}", {"items": list(items)})
    assert response.status_code == 200, response.text
    return [item["record_id"] for item in response.json()["items"]]


def _invoice(external_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "type": "sales",
        "contact_external_id": "c-1",
        "issue_date": "2026-11-30",
        "due_date": "2026-12-30",
        "lines": [{"unit_amount": "99.99", "category": "Sales", "tax_code": "GST"}],
    } | extra


async def _set(api: LedgerApi, record_id: str, **values: Any) -> None:
    async with api.sessions() as session:
        await session.execute(update(Record).where(Record.id == record_id).values(**values))
        await session.commit()


async def test_records_page_in_ingestion_order_and_filter(ledger_api: LedgerApi) -> None:
    connection_id = await ledger_api.connection()
    contacts = [{"external_id": f"c-{i}", "name": f"C {i}"} for i in range(5)]
    ids = await _ingest(ledger_api, connection_id, "contacts", *contacts)
    [invoice_id] = await _ingest(ledger_api, connection_id, "invoices", _invoice("i-1"))
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
        response = await ledger_api.client.get(
            f"/v1/connections/{connection_id}/records", params=params, headers=ledger_api.service
        )
        assert response.status_code == 200
        seen += [item["id"] for item in response.json()["items"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == [*ids, invoice_id]
    only = await ledger_api.client.get(
        f"/v1/connections/{connection_id}/records",
        params={"kind": "invoice", "status": "pending"},
        headers=ledger_api.service,
    )
    [record] = only.json()["items"]
    assert {k: record[k] for k in ("id", "kind", "external_id", "status", "version")} == {
        "id": invoice_id,
        "kind": "invoice",
        "external_id": "i-1",
        "status": "pending",
        "version": 1,
    }
    by_external = await ledger_api.client.get(
        f"/v1/connections/{connection_id}/records",
        params={"external_id": "c-3"},
        headers=ledger_api.service,
    )
    assert [r["id"] for r in by_external.json()["items"]] == [ids[3]]


async def test_a_bad_cursor_or_filter_is_422(ledger_api: LedgerApi) -> None:
    connection_id = await ledger_api.connection()
    path = f"/v1/connections/{connection_id}/records"
    for params in ({"cursor": "nonsense"}, {"status": "lost"}, {"kind": "payment"}):
        response = await ledger_api.client.get(path, params=params, headers=ledger_api.service)
        assert response.status_code == 422, params


async def test_one_record_shows_its_xero_id_attempts_and_errors(ledger_api: LedgerApi) -> None:
    connection_id = await ledger_api.connection()
    [record_id] = await _ingest(ledger_api, connection_id, "invoices", _invoice("i-1"))
    await _set(ledger_api, record_id, status="failed", attempts=2, errors=["Account code invalid"])
    response = await ledger_api.client.get(
        f"/v1/connections/{connection_id}/records/{record_id}", headers=ledger_api.jwt()
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["attempts"], body["errors"], body["xero_id"]) == (
        "failed",
        2,
        ["Account code invalid"],
        None,
    )
    assert body["updated_at"].endswith("Z")


async def test_records_of_another_workspace_or_connection_are_404(ledger_api: LedgerApi) -> None:
    mine = await ledger_api.connection("ws-1")
    theirs = await ledger_api.connection("ws-2")
    [record_id] = await _ingest(ledger_api, theirs, "invoices", _invoice("i-1"))
    jwt = ledger_api.jwt("ws-1")
    other = await ledger_api.client.get(f"/v1/connections/{theirs}/records", headers=jwt)
    assert other.status_code == 404
    crossed = await ledger_api.client.get(
        f"/v1/connections/{mine}/records/{record_id}", headers=jwt
    )
    assert crossed.status_code == 404


async def test_retry_puts_a_failed_record_back_to_pending_and_asks_for_a_sync(
    ledger_api: LedgerApi,
) -> None:
    requested: list[tuple[str, SyncTrigger]] = []

    async def request_sync(
        session: AsyncSession, connection_id: str, *, trigger: SyncTrigger
    ) -> None:
        requested.append((connection_id, trigger))

    ledger_api.app.dependency_overrides[get_sync_request] = lambda: request_sync
    connection_id = await ledger_api.connection()
    [record_id] = await _ingest(ledger_api, connection_id, "invoices", _invoice("i-1"))
    await _set(ledger_api, record_id, status="failed", attempts=3, errors=["Xero said no"])
    path = f"/v1/connections/{connection_id}/records/{record_id}/retry"
    response = await ledger_api.client.post(path, headers=await ledger_api.key(Role.OPS))
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["attempts"]) == ("pending", 0)
    assert response.json()["version"] == 1
    assert requested == [(connection_id, "ingest"), (connection_id, "retry")]
    again = await ledger_api.client.post(path, headers=ledger_api.service)
    assert again.status_code == 409


async def test_preview_shows_the_element_it_would_send(ledger_api: LedgerApi) -> None:
    mappings = Mappings(accounts={"Sales": Account("a-200", "200")}, taxes={"GST": Tax("OUTPUT2")})
    ledger_api.app.dependency_overrides[get_mappings_loader] = lambda: _loader(mappings)
    connection_id = await ledger_api.connection()
    [contact_id] = await _ingest(
        ledger_api, connection_id, "contacts", {"external_id": "c-1", "name": "Acme"}
    )
    [invoice_id] = await _ingest(ledger_api, connection_id, "invoices", _invoice("i-1"))
    path = f"/v1/connections/{connection_id}/records/{invoice_id}/preview"
    waiting = (await ledger_api.client.get(path, headers=ledger_api.service)).json()
    assert waiting["outcome"] == "blocked"
    assert waiting["waiting_for_contact"] == "c-1"
    await _set(ledger_api, contact_id, status="synced", xero_id="contact-guid", synced_version=1)
    ready = (await ledger_api.client.get(path, headers=ledger_api.service)).json()
    assert (ready["outcome"], ready["resource"], ready["method"]) == ("ready", "Invoices", "PUT")
    assert ready["element"]["Contact"] == {"ContactID": "contact-guid"}
    assert ready["element"]["LineItems"][0]["UnitAmount"] == "99.99"
    assert ready["element"]["CurrencyCode"] == "NZD"


async def test_preview_names_the_missing_mapping(ledger_api: LedgerApi) -> None:
    ledger_api.app.dependency_overrides[get_mappings_loader] = lambda: _loader(Mappings())
    connection_id = await ledger_api.connection()
    [invoice_id] = await _ingest(ledger_api, connection_id, "invoices", _invoice("i-1"))
    await _set(ledger_api, invoice_id, status="blocked")
    [contact_id] = await _ingest(
        ledger_api, connection_id, "contacts", {"external_id": "c-1", "name": "Acme"}
    )
    await _set(ledger_api, contact_id, xero_id="contact-guid")
    path = f"/v1/connections/{connection_id}/records/{invoice_id}/preview"
    body = (await ledger_api.client.get(path, headers=ledger_api.service)).json()
    assert (body["outcome"], body["reason"]) == ("blocked", "no mapping for category 'Sales'")


async def test_preview_of_a_void_never_sent_says_nothing_is_sent(ledger_api: LedgerApi) -> None:
    ledger_api.app.dependency_overrides[get_mappings_loader] = lambda: _loader(Mappings())
    connection_id = await ledger_api.connection()
    [invoice_id] = await _ingest(
        ledger_api, connection_id, "invoices", _invoice("i-1", status="void")
    )
    path = f"/v1/connections/{connection_id}/records/{invoice_id}/preview"
    body = (await ledger_api.client.get(path, headers=ledger_api.service)).json()
    assert body["outcome"] == "not_sent"
    assert body["element"] is None
