"""Where the sandbox once differed from Xero (issue 8), each behaviour as Xero has it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .accounting_api import (
    AU,
    Api,
    bank_transaction,
    invoice,
    line,
    messages,
    open_api,
    schema_errors,
)
from .conftest import SandboxFactory


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async with open_api() as opened:
        yield opened


# 1. line items only on paged (or single) invoice reads


async def test_an_unpaged_invoice_list_has_no_line_items(api: Api) -> None:
    created = await api.one("Invoices", invoice())
    unpaged = (await api.get("/Invoices")).json()["Invoices"]
    paged = (await api.get("/Invoices", page=1)).json()["Invoices"]
    one = (await api.get(f"/Invoices/{created['InvoiceID']}")).json()["Invoices"][0]
    assert all("LineItems" not in i for i in unpaged)
    assert all(i["LineItems"] for i in paged)
    assert len(one["LineItems"]) == 1


# 2. filters that were ignored


async def test_summary_only_drops_the_nested_lists(api: Api) -> None:
    summary = (await api.get("/Invoices", summaryOnly="true", page=1)).json()["Invoices"]
    contacts = (await api.get("/Contacts", summaryOnly="true")).json()["Contacts"]
    assert summary
    assert all("LineItems" not in i and "Payments" not in i for i in summary)
    assert contacts
    assert all("Addresses" not in c and "Phones" not in c for c in contacts)


async def test_search_term_searches_names_numbers_and_references(api: Api) -> None:
    await api.one("Invoices", invoice(Reference="Order 7781"))
    found = (await api.get("/Invoices", searchTerm="order 77")).json()["Invoices"]
    contacts = (await api.get("/Contacts", searchTerm="supp-00")).json()["Contacts"]
    assert [i["Reference"] for i in found] == ["Order 7781"]
    assert sorted(c["ContactNumber"] for c in contacts) == ["SUPP-001", "SUPP-002"]


async def test_created_by_my_app_keeps_the_callers_documents_only(api: Api) -> None:
    mine = await api.one("Invoices", invoice())
    other = api.world.issue_test_token([AU], client_id="another-app")
    headers = {"Authorization": f"Bearer {other}", "xero-tenant-id": AU}
    theirs = await api.put("Invoices", [invoice()], headers=headers)
    assert theirs.status_code == 200
    listed = (await api.get("/Invoices", createdByMyApp="true")).json()["Invoices"]
    assert [i["InvoiceID"] for i in listed] == [mine["InvoiceID"]]


async def test_strict_mode_refuses_a_parameter_xero_would_ignore(api: Api) -> None:
    references = await api.get("/BankTransactions", References="REF-1")
    paged_accounts = await api.get("/Accounts", page=1)
    for answer, name in ((references, "References"), (paged_accounts, "page")):
        assert (answer.status_code, answer.json()["Type"]) == (400, "QueryParseException")
        assert f"'{name}'" in answer.json()["Message"]


async def test_lax_mode_ignores_a_parameter_as_xero_does() -> None:
    async with open_api(strict=False) as lax:
        answer = await lax.get("/BankTransactions", References="REF-1")
    assert (answer.status_code, len(answer.json()["BankTransactions"])) == (200, 1)


# 4. where: unknown fields, any case, the forms seen in the wild


async def test_where_on_an_unknown_field_is_400_not_an_empty_answer(api: Api) -> None:
    answer = await api.get("/Contacts", where='ContactNumbr=="CUST-001"')
    assert (answer.status_code, answer.json()["Type"]) == (400, "QueryParseException")
    assert "ContactNumbr" in answer.json()["Message"]
    nested = await api.get("/Invoices", where='Contact.Nmae=="x"')
    assert nested.status_code == 400


async def test_where_field_names_match_in_any_case(api: Api) -> None:
    answer = await api.get(
        "/Contacts", where='contactnumber=="CUST-001" AND contactSTATUS=="ACTIVE"'
    )
    assert [c["ContactNumber"] for c in answer.json()["Contacts"]] == ["CUST-001"]


@pytest.mark.parametrize(
    "where",
    [
        'Type == "ACCREC" AND Date >= DateTime.Parse("2020-01-01")',
        'Contact.ContactNumber.ToString() == "CUST-001"',
        'InvoiceNumber.ToLower() == "inv-0001"',
        'Status <> "DRAFT"',
        'Type.ToUpper().Contains("REC")',
    ],
)
async def test_where_accepts_the_dotnet_forms_seen_in_the_wild(api: Api, where: str) -> None:
    answer = await api.get("/Invoices", where=where)
    assert answer.status_code == 200, answer.text
    assert [i["InvoiceNumber"] for i in answer.json()["Invoices"]] == ["INV-0001"]


# 5. ERROR elements in Xero's serialisation


async def test_an_error_element_comes_back_as_xero_serialises_it(api: Api) -> None:
    bad = invoice(LineItems=[line(AccountCode="999")])
    bad.pop("Status")
    answer = await api.put("Invoices", [bad], summarize=False)
    element = answer.json()["Invoices"][0]
    assert (element["Date"], element["DateString"]) == (
        "/Date(1768435200000+0000)/",
        "2026-01-15T00:00:00",
    )
    assert (element["DueDate"], element["DueDateString"]) == (
        "/Date(1771027200000+0000)/",
        "2026-02-14T00:00:00",
    )
    assert (element["LineAmountTypes"], element["Status"]) == ("Exclusive", "DRAFT")
    assert element["InvoiceID"] == "00000000-0000-0000-0000-000000000000"
    assert schema_errors("/Invoices", "put", 200, answer.json()) == []
    summarised = await api.put("Invoices", [bad])
    assert summarised.json()["Elements"][0]["Date"] == "/Date(1768435200000+0000)/"
    assert schema_errors("/Invoices", "put", 400, summarised.json()) == []


# 6. strict mode: a per-element problem fails that element only


async def test_a_missing_bank_account_fails_only_its_element_and_is_counted(api: Api) -> None:
    bad = bank_transaction()
    bad.pop("BankAccount")
    answer = await api.put("BankTransactions", [bank_transaction(), bad], summarize=False)
    assert answer.status_code == 200
    good, failed = answer.json()["BankTransactions"]
    assert (good["StatusAttributeString"], failed["StatusAttributeString"]) == ("OK", "ERROR")
    assert "BankAccount" in messages(failed)[0]
    assert api.world.stats.schema_violations[0]["kind"] == "required"
    assert schema_errors("/BankTransactions", "put", 200, answer.json()) == []


async def test_a_name_over_255_characters_fails_only_its_contact(api: Api) -> None:
    answer = await api.put("Contacts", [{"Name": "Fine Pty"}, {"Name": "x" * 256}], summarize=False)
    statuses = [c["StatusAttributeString"] for c in answer.json()["Contacts"]]
    assert (answer.status_code, statuses) == (200, ["OK", "ERROR"])
    assert api.world.stats.schema_violations[0]["path"] == "Contacts[1].Name"


async def test_a_per_element_problem_in_a_summarised_batch_is_a_validation_exception(
    api: Api,
) -> None:
    answer = await api.put("Contacts", [{"Name": "Fine Pty"}, {"Name": "x" * 256}])
    body = answer.json()
    assert (answer.status_code, body["Type"], len(body["Elements"])) == (
        400,
        "ValidationException",
        1,
    )
    names = {c["Name"] for c in (await api.get("/Contacts")).json()["Contacts"]}
    assert "Fine Pty" in names  # the good element is saved, as Xero does


# 7. OrganisationID is the tenant id


async def test_organisation_id_is_the_connections_tenant_id(api: Api) -> None:
    organisation = (await api.get("/Organisation")).json()["Organisations"][0]
    assert organisation["OrganisationID"] == AU


# 8. GET /TaxRates/{TaxType}; Xero's 404 for unknown paths


async def test_a_tax_rate_is_read_by_its_tax_type(api: Api) -> None:
    answer = await api.get("/TaxRates/output")
    assert [r["TaxType"] for r in answer.json()["TaxRates"]] == ["OUTPUT"]
    assert (await api.get("/TaxRates/NOPE")).status_code == 404


async def test_an_unknown_api_path_answers_xeros_404(make_sandbox: SandboxFactory) -> None:
    client, sandbox, _ = await make_sandbox()
    token = sandbox.world.issue_test_token([AU])
    headers = {"Authorization": f"Bearer {token}", "xero-tenant-id": AU}
    answer = await client.get("/api.xro/2.0/Invoicez", headers=headers)
    assert (answer.status_code, answer.json()["Type"]) == (404, "ObjectNotFoundException")
    assert "detail" in (await client.get("/nowhere")).json()


async def test_a_tracking_category_read_by_id_shows_it_whatever_its_status(api: Api) -> None:
    listed = (await api.get("/TrackingCategories", includeArchived="true")).json()
    region = next(c for c in listed["TrackingCategories"] if c["Name"] == "Region")
    one = (await api.get(f"/TrackingCategories/{region['TrackingCategoryID']}")).json()
    options = {o["Name"]: o["Status"] for o in one["TrackingCategories"][0]["Options"]}
    assert options["Central"] == "ARCHIVED"
