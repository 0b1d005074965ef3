"""POST /v1/connections/{id}/contacts|invoices|bank-transactions, on Postgres and SQLite."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from tests.ledger.api_support import LedgerApi
from xero_connector.auth.policy import Role
from xero_connector.db.models import Connection, Record


def _contact(external_id: str, **extra: Any) -> dict[str, Any]:
    return {"external_id": external_id, "name": f"Customer {external_id}"} | extra


def _invoice(external_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "type": "sales",
        "contact_external_id": "c-1",
        "issue_date": "2026-11-30",
        "due_date": "2026-12-30",
        "lines": [{"quantity": 1, "unit_amount": "10.50", "category": "Sales", "tax_code": "GST"}],
    } | extra


async def _count(api: LedgerApi) -> int:
    async with api.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Record)) or 0)


async def test_accepted_then_unchanged_then_a_new_version(ledger_api: LedgerApi) -> None:
    connection_id = await ledger_api.connection()
    path = f"/v1/connections/{connection_id}/contacts"
    first = await ledger_api.post(path, {"items": [_contact("c-1"), _contact("c-2")]})
    assert first.status_code == 200, first.text
    items = first.json()["items"]
    assert [(i["external_id"], i["result"], i["version"], i["errors"]) for i in items] == [
        ("c-1", "accepted", 1, []),
        ("c-2", "accepted", 1, []),
    ]
    again = (await ledger_api.post(path, {"items": [_contact("c-1")]})).json()["items"]
    assert (again[0]["result"], again[0]["version"]) == ("unchanged", 1)
    assert again[0]["record_id"] == items[0]["record_id"]
    changed = (
        await ledger_api.post(path, {"items": [_contact("c-1", email="a@b.example")]})
    ).json()
    assert (changed["items"][0]["result"], changed["items"][0]["version"]) == ("accepted", 2)


async def test_amounts_equal_in_value_are_the_same_content(ledger_api: LedgerApi) -> None:
    connection_id = await ledger_api.connection()
    path = f"/v1/connections/{connection_id}/invoices"
    assert (await ledger_api.post(path, {"items": [_invoice("i-1")]})).status_code == 200
    same = _invoice("i-1")
    same["lines"][0] |= {"quantity": "1.000", "unit_amount": 10.5}
    result = (await ledger_api.post(path, {"items": [same]})).json()["items"][0]
    assert (result["result"], result["version"]) == ("unchanged", 1)


async def test_a_bad_item_is_rejected_with_field_errors_and_the_others_go_in(
    ledger_api: LedgerApi,
) -> None:
    connection_id = await ledger_api.connection()
    bad_line = _invoice("i-2")
    bad_line["lines"][0]["unit_amount"] = "ten"
    body = {
        "items": [
            _invoice("i-1"),
            bad_line,
            _invoice("i-3", lines=[{"unit_amount": "1", "category": "Sales"}]),
            _invoice("i-4", type="rental"),
            "not an object",
            _invoice("i-5", due_date=None, status="authorised"),
        ]
    }
    response = await ledger_api.post(f"/v1/connections/{connection_id}/invoices", body)
    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["result"] for i in items] == [
        "accepted",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
    ]
    assert items[1]["external_id"] == "i-2"
    assert items[1]["record_id"] is None
    assert items[1]["errors"][0]["loc"] == ["lines", 0, "unit_amount"]
    assert "tax_code" in items[2]["errors"][0]["message"]
    assert items[3]["errors"][0]["loc"] == ["type"]
    assert items[4]["external_id"] is None
    assert "due_date is required" in items[5]["errors"][0]["message"]
    assert await _count(ledger_api) >= 1


async def test_an_external_id_twice_in_one_batch_is_rejected_the_second_time(
    ledger_api: LedgerApi,
) -> None:
    connection_id = await ledger_api.connection()
    body = {"items": [_contact("c-1"), _contact("c-1", name="Other")]}
    items = (await ledger_api.post(f"/v1/connections/{connection_id}/contacts", body)).json()[
        "items"
    ]
    assert [i["result"] for i in items] == ["accepted", "rejected"]
    assert items[1]["errors"] == [
        {"loc": ["external_id"], "message": "appears more than once in this batch"}
    ]


async def test_a_body_of_another_shape_is_422_and_stores_nothing(ledger_api: LedgerApi) -> None:
    connection_id = await ledger_api.connection()
    path = f"/v1/connections/{connection_id}/contacts"
    before = await _count(ledger_api)
    bodies: list[Any] = [
        {"items": []},
        {"items": [_contact(f"c-{i}") for i in range(1001)]},
        {"items": [_contact("c-1")], "extra": True},
        [_contact("c-1")],
        {"records": [_contact("c-1")]},
    ]
    for body in bodies:
        response = await ledger_api.post(path, body)
        assert response.status_code == 422, body
        assert response.headers["content-type"] == "application/problem+json"
    assert await _count(ledger_api) == before


async def test_one_thousand_items_are_one_batch(ledger_api: LedgerApi) -> None:
    connection_id = await ledger_api.connection()
    body = {"items": [_contact(f"c-{i}") for i in range(1000)]}
    response = await ledger_api.post(f"/v1/connections/{connection_id}/contacts", body)
    assert response.status_code == 200
    assert {i["result"] for i in response.json()["items"]} == {"accepted"}


async def test_only_the_service_role_may_ingest(ledger_api: LedgerApi) -> None:
    connection_id = await ledger_api.connection()
    path = f"/v1/connections/{connection_id}/contacts"
    body = {"items": [_contact("c-1")]}
    ops = await ledger_api.key(Role.OPS)
    assert (await ledger_api.post(path, body, ops)).status_code == 403
    assert (await ledger_api.post(path, body, ledger_api.jwt("ws-1"))).status_code == 403
    assert (await ledger_api.post(path, body, {})).status_code == 401


async def test_another_workspaces_connection_is_404(ledger_api: LedgerApi) -> None:
    connection_id = await ledger_api.connection("ws-2")
    bound = await ledger_api.key(Role.SERVICE, "ws-1")
    body = {"items": [_contact("c-1")]}
    response = await ledger_api.post(f"/v1/connections/{connection_id}/contacts", body, bound)
    assert response.status_code == 404
    unknown = await ledger_api.post("/v1/connections/nope/contacts", body)
    assert unknown.status_code == 404


async def test_a_disconnected_connection_takes_no_records(ledger_api: LedgerApi) -> None:
    connection_id = await ledger_api.connection()
    async with ledger_api.sessions() as session:
        connection = await session.get(Connection, connection_id)
        assert connection is not None
        connection.status = "disconnected"
        await session.commit()
    body = {"items": [_contact("c-1")]}
    response = await ledger_api.post(f"/v1/connections/{connection_id}/contacts", body)
    assert response.status_code == 409


async def test_bank_transactions_are_ingested_with_their_mapping_keys(
    ledger_api: LedgerApi,
) -> None:
    connection_id = await ledger_api.connection()
    item = {
        "external_id": "bt-1",
        "type": "spend",
        "money_account": "Main",
        "contact_external_id": "c-1",
        "date": "2026-11-29",
        "lines": [
            {
                "unit_amount": "20",
                "category": "Fuel",
                "tax_code": "GST",
                "tracking": {"Region": "North"},
            }
        ],
    }
    response = await ledger_api.post(
        f"/v1/connections/{connection_id}/bank-transactions", {"items": [item]}
    )
    assert response.json()["items"][0]["result"] == "accepted"
    async with ledger_api.sessions() as session:
        record = await session.scalar(select(Record).where(Record.connection_id == connection_id))
    assert record is not None
    assert record.kind == "bank_transaction"
    assert record.source_keys == [
        "account:Fuel",
        "bank_account:Main",
        "tax:GST",
        "tracking:Region:North",
    ]
    assert record.payload["lines"][0]["unit_amount"] == "20"
