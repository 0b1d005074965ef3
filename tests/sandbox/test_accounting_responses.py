"""Every kind of body the accounting routes answer validates against xero_accounting.yaml.

The check uses the spec itself through jsonschema (openapi_schemas.py), independently of the
sandbox's own converted validators. Error answers are checked against the ``Error`` component.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from .accounting_api import UK, US, Api, bank_transaction, invoice, line, open_api, schema_errors


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async with open_api(max_body_bytes=50_000) as opened:
        yield opened


Call = Callable[[Api], Awaitable[httpx.Response]]


async def _first_id(api: Api, collection: str, field: str) -> str:
    value: str = (await api.get(f"/{collection}")).json()[collection][0][field]
    return value


READS: dict[str, tuple[str, Call]] = {
    "organisation": ("/Organisation", lambda a: a.get("/Organisation")),
    "organisation uk": ("/Organisation", lambda a: a.get("/Organisation", headers=a.headers(UK))),
    "accounts": ("/Accounts", lambda a: a.get("/Accounts")),
    "accounts us": ("/Accounts", lambda a: a.get("/Accounts", headers=a.headers(US))),
    "tax rates": ("/TaxRates", lambda a: a.get("/TaxRates")),
    "tax rates us": ("/TaxRates", lambda a: a.get("/TaxRates", headers=a.headers(US))),
    "tracking": (
        "/TrackingCategories",
        lambda a: a.get("/TrackingCategories", includeArchived="true"),
    ),
    "contacts": ("/Contacts", lambda a: a.get("/Contacts", includeArchived="true")),
    "contacts paged": ("/Contacts", lambda a: a.get("/Contacts", page=1, pageSize=2)),
    "invoices": ("/Invoices", lambda a: a.get("/Invoices")),
    "invoices paged": ("/Invoices", lambda a: a.get("/Invoices", page=1)),
    "bank transactions": ("/BankTransactions", lambda a: a.get("/BankTransactions")),
    "tax rate by type": ("/TaxRates/{TaxType}", lambda a: a.get("/TaxRates/OUTPUT")),
    "invoices summary": ("/Invoices", lambda a: a.get("/Invoices", summaryOnly="true")),
    "contacts search": ("/Contacts", lambda a: a.get("/Contacts", searchTerm="cust")),
    "invoices mine": ("/Invoices", lambda a: a.get("/Invoices", createdByMyApp="true")),
}


@pytest.mark.parametrize("name", READS)
async def test_list_answer_matches_the_spec(api: Api, name: str) -> None:
    path, call = READS[name]
    response = await call(api)
    assert (response.status_code, schema_errors(path, "get", 200, response.json())) == (200, [])


@pytest.mark.parametrize(
    ("collection", "field", "spec_path"),
    [
        ("Accounts", "AccountID", "/Accounts/{AccountID}"),
        ("TrackingCategories", "TrackingCategoryID", "/TrackingCategories/{TrackingCategoryID}"),
        ("Contacts", "ContactID", "/Contacts/{ContactID}"),
        ("Invoices", "InvoiceID", "/Invoices/{InvoiceID}"),
        ("BankTransactions", "BankTransactionID", "/BankTransactions/{BankTransactionID}"),
    ],
)
async def test_single_answer_matches_the_spec(
    api: Api, collection: str, field: str, spec_path: str
) -> None:
    key = await _first_id(api, collection, field)
    response = await api.get(f"/{collection}/{key}")
    assert schema_errors(spec_path, "get", 200, response.json()) == []


WRITES: dict[str, tuple[str, list[dict[str, Any]]]] = {
    "invoices ok warning error": (
        "Invoices",
        [
            invoice(),
            invoice(Contact={"Name": "Fresh Co"}),
            invoice(LineItems=[line(AccountCode="999")]),
        ],
    ),
    "contacts ok error": ("Contacts", [{"Name": "New One"}, {"Name": "ABC Furniture"}]),
    "bank transactions ok error": (
        "BankTransactions",
        [bank_transaction(), bank_transaction(BankAccount={"Code": "200"})],
    ),
}


@pytest.mark.parametrize("name", WRITES)
@pytest.mark.parametrize("method", ["put", "post"])
async def test_batch_result_matches_the_spec(api: Api, name: str, method: str) -> None:
    collection, elements = WRITES[name]
    response = await api.write(
        method.upper(), f"/{collection}", {collection: elements}, summarize=False
    )
    assert schema_errors(f"/{collection}", method, 200, response.json()) == []


@pytest.mark.parametrize("name", WRITES)
async def test_validation_exception_matches_the_spec(api: Api, name: str) -> None:
    collection, elements = WRITES[name]
    response = await api.put(collection, elements)
    assert (response.status_code, schema_errors(f"/{collection}", "put", 400, response.json())) == (
        400,
        [],
    )


ERRORS: dict[str, tuple[int, Call]] = {
    "schema violation": (400, lambda a: a.put("Invoices", [invoice(Status="OPEN")])),
    "malformed json": (
        400,
        lambda a: a.client.put("/api.xro/2.0/Invoices", content=b"[", headers=a.headers()),
    ),
    "bad where": (400, lambda a: a.get("/Invoices", where="Status ~ 1")),
    "not found": (404, lambda a: a.get("/Invoices/nope")),
    "too large": (413, lambda a: a.put("Invoices", [invoice(Reference="x" * 60_000)])),
    "long idempotency key": (
        400,
        lambda a: a.put(
            "Invoices", [invoice()], headers=a.headers(**{"Idempotency-Key": "k" * 200})
        ),
    ),
}


@pytest.mark.parametrize("name", ERRORS)
async def test_error_answer_matches_the_error_schema(api: Api, name: str) -> None:
    status, call = ERRORS[name]
    response = await call(api)
    assert (response.status_code, schema_errors("/Invoices", "put", 400, response.json())) == (
        status,
        [],
    )


async def test_idempotency_conflict_matches_the_error_schema(api: Api) -> None:
    headers = api.headers(**{"Idempotency-Key": "same"})
    await api.put("Invoices", [invoice()], headers=headers)
    response = await api.put("Invoices", [invoice(Reference="changed")], headers=headers)
    assert schema_errors("/Invoices", "put", 400, response.json()) == []


@pytest.mark.parametrize(
    ("collection", "field", "spec_path", "change"),
    [
        ("Invoices", "InvoiceID", "/Invoices/{InvoiceID}", {"Reference": "updated"}),
        ("Contacts", "ContactID", "/Contacts/{ContactID}", {"EmailAddress": "new@example.com"}),
        (
            "BankTransactions",
            "BankTransactionID",
            "/BankTransactions/{BankTransactionID}",
            # the spec requires these three on every BankTransaction body, updates included
            bank_transaction(Reference="updated"),
        ),
    ],
)
@pytest.mark.parametrize("summarize", [True, False])
async def test_update_through_the_element_path_matches_the_spec(
    api: Api,
    collection: str,
    field: str,
    spec_path: str,
    change: dict[str, Any],
    summarize: bool,
) -> None:
    key = await _first_id(api, collection, field)
    response = await api.write(
        "POST", f"/{collection}/{key}", {collection: [change]}, summarize=summarize
    )
    assert (response.status_code, schema_errors(spec_path, "post", 200, response.json())) == (
        200,
        [],
    )


async def test_filtered_and_replayed_answers_match_the_spec(api: Api) -> None:
    headers = api.headers(**{"Idempotency-Key": "replay", "If-Modified-Since": "2020-01-01"})
    first = await api.put("Invoices", [invoice()], headers=headers, summarize=False)
    replay = await api.put("Invoices", [invoice()], headers=headers, summarize=False)
    assert replay.content == first.content
    assert schema_errors("/Invoices", "put", 200, replay.json()) == []
    filtered = await api.get(
        "/Invoices", headers=headers, where='Status=="AUTHORISED" AND Type=="ACCREC"', page=1
    )
    assert schema_errors("/Invoices", "get", 200, filtered.json()) == []
