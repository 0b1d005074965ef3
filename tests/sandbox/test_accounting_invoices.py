"""Invoices: amounts, Xero's validation rules, updates and status changes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .accounting_api import Api, invoice, line, messages, open_api


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async with open_api() as opened:
        yield opened


async def rejected(api: Api, body: dict[str, object]) -> list[str]:
    response = await api.put("Invoices", [body], summarize=False)
    element = response.json()["Invoices"][0]
    assert element["StatusAttributeString"] == "ERROR"
    return messages(element)


async def test_exclusive_amounts_add_tax_on_top(api: Api) -> None:
    created = await api.one("Invoices", invoice())
    assert (created["SubTotal"], created["TotalTax"], created["Total"], created["AmountDue"]) == (
        20.0,
        2.0,
        22.0,
        22.0,
    )


async def test_inclusive_amounts_carry_the_tax_inside(api: Api) -> None:
    created = await api.one("Invoices", invoice(LineAmountTypes="Inclusive"))
    assert (created["SubTotal"], created["TotalTax"], created["Total"]) == (18.18, 1.82, 20.0)


async def test_no_tax_lines_have_zero_tax(api: Api) -> None:
    created = await api.one("Invoices", invoice(LineAmountTypes="NoTax"))
    assert (created["TotalTax"], created["Total"]) == (0.0, 20.0)


async def test_tax_is_rounded_per_line(api: Api) -> None:
    lines = [line(Quantity=1, UnitAmount=0.05), line(Quantity=1, UnitAmount=0.05)]
    created = await api.one("Invoices", invoice(LineItems=lines))
    # 0.005 per line rounds up to 0.01 each; on the 0.10 total it would be 0.01
    assert created["TotalTax"] == 0.02


async def test_missing_tax_type_takes_the_account_default(api: Api) -> None:
    untaxed = line(AccountCode="270")
    del untaxed["TaxType"]
    created = await api.one("Invoices", invoice(LineItems=[untaxed]))
    assert created["LineItems"][0]["TaxType"] == "INPUTTAXED"


async def test_accrec_number_is_generated_when_missing(api: Api) -> None:
    created = await api.one("Invoices", invoice())
    assert created["InvoiceNumber"].startswith("INV-")


async def test_dates_come_back_as_ms_dates(api: Api) -> None:
    created = await api.one("Invoices", invoice(Date="2026-01-15"))
    assert (created["Date"], created["DateString"]) == (
        "/Date(1768435200000+0000)/",
        "2026-01-15T00:00:00",
    )


async def test_unknown_account_code_is_rejected(api: Api) -> None:
    assert await rejected(api, invoice(LineItems=[line(AccountCode="999")])) == [
        "Account code '999' is not a valid code for this document."
    ]


async def test_archived_account_is_rejected(api: Api) -> None:
    errors = await rejected(api, invoice(LineItems=[line(AccountCode="455", TaxType="INPUT")]))
    assert "has been archived" in errors[0]


async def test_bank_account_cannot_be_a_line_account(api: Api) -> None:
    errors = await rejected(
        api, invoice(LineItems=[line(AccountCode="090", TaxType="BASEXCLUDED")])
    )
    assert errors == ["Account code '090' is not a valid code for this document."]


async def test_tax_type_must_apply_to_the_account_class(api: Api) -> None:
    errors = await rejected(api, invoice(LineItems=[line(AccountCode="400", TaxType="OUTPUT")]))
    assert errors == ["The TaxType code 'OUTPUT' cannot be used with account code '400'."]


async def test_unknown_tax_type_is_rejected(api: Api) -> None:
    errors = await rejected(api, invoice(LineItems=[line(TaxType="OUTPUT2")]))
    assert "does not exist" in errors[0]


async def test_deleted_tax_rate_is_rejected(api: Api) -> None:
    errors = await rejected(api, invoice(LineItems=[line(TaxType="TAX001")]))
    assert "does not exist" in errors[0]


async def test_accrec_invoice_number_must_be_unique(api: Api) -> None:
    await api.one("Invoices", invoice(InvoiceNumber="A-1"))
    assert await rejected(api, invoice(InvoiceNumber="a-1")) == ["Invoice # must be unique."]


async def test_accpay_numbers_may_repeat(api: Api) -> None:
    bill = invoice(
        Type="ACCPAY", InvoiceNumber="SUP-7", LineItems=[line(AccountCode="429", TaxType="INPUT")]
    )
    await api.one("Invoices", bill)
    assert (await api.one("Invoices", bill))["InvoiceNumber"] == "SUP-7"


async def test_contact_is_required(api: Api) -> None:
    body = invoice()
    del body["Contact"]
    assert await rejected(api, body) == ["A Contact must be specified for this type of transaction"]


async def test_unknown_contact_id_is_rejected(api: Api) -> None:
    errors = await rejected(
        api, invoice(Contact={"ContactID": "00000000-0000-4000-8000-000000000000"})
    )
    assert "could not be found" in errors[0]


async def test_unknown_contact_name_creates_the_contact_with_a_warning(api: Api) -> None:
    created = await api.one("Invoices", invoice(Contact={"Name": "Brand New Pty Ltd"}))
    contacts = (await api.get("/Contacts", where='Name=="Brand New Pty Ltd"')).json()["Contacts"]
    assert created["StatusAttributeString"] == "WARNING"
    assert [c["ContactID"] for c in contacts] == [created["Contact"]["ContactID"]]


async def test_contact_is_resolved_by_name(api: Api) -> None:
    created = await api.one("Invoices", invoice(Contact={"Name": "bayside club"}))
    assert created["Contact"]["ContactNumber"] == "CUST-002"


async def test_at_most_two_tracking_categories_per_line(api: Api) -> None:
    tracking = [
        {"Name": "Region", "Option": "North"},
        {"Name": "Department", "Option": "Sales"},
        {"Name": "Region", "Option": "South"},
    ]
    errors = await rejected(api, invoice(LineItems=[line(Tracking=tracking)]))
    assert "at most 2 tracking categories" in errors[0]


async def test_tracking_option_must_exist(api: Api) -> None:
    errors = await rejected(
        api, invoice(LineItems=[line(Tracking=[{"Name": "Region", "Option": "Mars"}])])
    )
    assert "'Mars' does not exist" in errors[0]


async def test_tracking_is_stored_with_ids(api: Api) -> None:
    created = await api.one(
        "Invoices", invoice(LineItems=[line(Tracking=[{"Name": "region", "Option": "north"}])])
    )
    tracking = created["LineItems"][0]["Tracking"][0]
    assert (tracking["Name"], tracking["Option"], len(tracking["TrackingOptionID"])) == (
        "Region",
        "North",
        36,
    )


async def test_approved_invoice_needs_a_due_date(api: Api) -> None:
    body = invoice()
    del body["DueDate"]
    assert await rejected(api, body) == ["Due Date must be specified for an approved invoice."]


async def test_description_is_required_on_lines(api: Api) -> None:
    assert await rejected(api, invoice(LineItems=[line(Description="")])) == [
        "The description field is mandatory for each line item."
    ]


async def test_negative_quantity_is_rejected(api: Api) -> None:
    errors = await rejected(api, invoice(LineItems=[line(Quantity=-1)]))
    assert "Quantity must not be less than zero" in errors[0]


async def test_update_by_invoice_id_changes_the_reference(api: Api) -> None:
    created = await api.one("Invoices", invoice(Status="DRAFT"))
    response = await api.post(
        "Invoices", [{"InvoiceID": created["InvoiceID"], "Reference": "PO 42"}]
    )
    updated = response.json()["Invoices"][0]
    assert (updated["InvoiceID"], updated["Reference"], updated["Total"]) == (
        created["InvoiceID"],
        "PO 42",
        22.0,
    )


async def test_update_moves_updated_date_forward(api: Api) -> None:
    created = await api.one("Invoices", invoice(Status="DRAFT"))
    api.world.clock.advance(5)
    response = await api.post("Invoices", [{"InvoiceID": created["InvoiceID"], "Reference": "x"}])
    assert response.json()["Invoices"][0]["UpdatedDateUTC"] > created["UpdatedDateUTC"]


async def test_put_with_an_existing_id_is_refused(api: Api) -> None:
    created = await api.one("Invoices", invoice())
    assert "update it with POST" in (await rejected(api, {"InvoiceID": created["InvoiceID"]}))[0]


async def test_authorised_invoice_can_be_voided(api: Api) -> None:
    created = await api.one("Invoices", invoice())
    response = await api.post("Invoices", [{"InvoiceID": created["InvoiceID"], "Status": "VOIDED"}])
    voided = response.json()["Invoices"][0]
    assert (voided["Status"], voided["AmountDue"]) == ("VOIDED", 0.0)


async def test_voided_invoice_cannot_be_modified(api: Api) -> None:
    created = await api.one("Invoices", invoice())
    await api.post("Invoices", [{"InvoiceID": created["InvoiceID"], "Status": "VOIDED"}])
    response = await api.post(
        "Invoices", [{"InvoiceID": created["InvoiceID"], "Reference": "x"}], summarize=False
    )
    assert messages(response.json()["Invoices"][0]) == [
        "Invoice not of valid status for modification"
    ]


async def test_authorised_invoice_cannot_be_deleted(api: Api) -> None:
    created = await api.one("Invoices", invoice())
    response = await api.post(
        "Invoices", [{"InvoiceID": created["InvoiceID"], "Status": "DELETED"}], summarize=False
    )
    assert messages(response.json()["Invoices"][0]) == [
        "Invoice status cannot be changed to DELETED."
    ]


async def test_post_to_an_invoice_number_path_updates_it(api: Api) -> None:
    await api.one("Invoices", invoice(InvoiceNumber="PATH-1", Status="DRAFT"))
    response = await api.write(
        "POST", "/Invoices/PATH-1", {"Invoices": [{"Reference": "via path"}]}
    )
    assert response.json()["Invoices"][0]["Reference"] == "via path"


async def test_unit_amounts_keep_four_decimals_with_unitdp(api: Api) -> None:
    body = invoice(LineItems=[line(Quantity=3, UnitAmount=1.2345)])
    response = await api.put("Invoices", [body], unitdp=4)
    created = response.json()["Invoices"][0]
    assert (created["LineItems"][0]["UnitAmount"], created["SubTotal"]) == (1.2345, 3.7)
