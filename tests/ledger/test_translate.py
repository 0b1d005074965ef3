"""ledger/translate.py: each kind to its Xero element, blocks, voids, rounding, search keys."""

from __future__ import annotations

from typing import Any

from tests.ledger.fakes import Account, FakeResolver, Organisation, Tax, Tracking, record
from xero_connector.ledger.translate import Blocked, NotSent, XeroPayload, translate
from xero_connector.ledger.xero_keys import record_key

RESOLVER = FakeResolver(
    accounts={"Sales": Account("acc-200", "200"), "Cash": Account("acc-cash", None)},
    taxes={"GST": Tax("OUTPUT2")},
    banks={"Main": Account("acc-bank", "090")},
    tracking_options={"Region:North": Tracking("Region", "North")},
)
CONTACTS = {"cust-1": "contact-guid-1"}


def _line(**extra: Any) -> dict[str, Any]:
    return {
        "quantity": "2",
        "unit_amount": "10.005",
        "category": "Sales",
        "tax_code": "GST",
    } | extra


def _invoice(**extra: Any) -> dict[str, Any]:
    return {
        "external_id": "inv-1",
        "type": "sales",
        "contact_external_id": "cust-1",
        "issue_date": "2026-11-30",
        "due_date": "2026-12-30",
        "lines": [_line(description="Widgets", tracking={"Region": "North"})],
    } | extra


def _payload(kind: str, raw: dict[str, Any], xero_id: str | None = None) -> XeroPayload:
    result = translate(record(kind, raw, xero_id=xero_id), RESOLVER, CONTACTS, Organisation())
    assert isinstance(result, XeroPayload), result
    return result


def test_a_new_contact_is_a_put_carrying_its_contact_number() -> None:
    raw = {
        "external_id": "c-1",
        "name": "Acme Ltd",
        "email": "ap@acme.example",
        "phone": "+64 9 555 0100",
        "address": {"line1": "1 Queen St", "city": "Auckland", "country": "NZ"},
    }
    result = _payload("contact", raw)
    assert (result.resource, result.method) == ("Contacts", "PUT")
    key = record_key("conn-1", "c-1")
    assert result.element == {
        "Name": "Acme Ltd",
        "ContactNumber": key,
        "ContactStatus": "ACTIVE",
        "EmailAddress": "ap@acme.example",
        "Addresses": [
            {
                "AddressType": "POBOX",
                "AddressLine1": "1 Queen St",
                "AddressLine2": "",
                "City": "Auckland",
                "Region": "",
                "PostalCode": "",
                "Country": "NZ",
            }
        ],
        "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": "+64 9 555 0100"}],
    }
    assert result.search.where == f'ContactNumber=="{key}"'


def test_an_update_of_a_contact_posts_its_id_and_clears_what_the_platform_dropped() -> None:
    result = _payload("contact", {"external_id": "c-1", "name": "Acme", "archived": True}, "cid")
    assert result.method == "POST"
    assert result.element["ContactID"] == "cid"
    assert result.element["ContactStatus"] == "ARCHIVED"
    assert result.element["EmailAddress"] == ""
    assert result.element["Phones"] == [{"PhoneType": "DEFAULT", "PhoneNumber": ""}]


def test_a_contact_number_is_at_most_50_characters_and_stable() -> None:
    long_id = "customer/" + "x" * 300
    key = record_key("conn-1", long_id)
    assert len(key) <= 50
    assert key == record_key("conn-1", long_id)
    assert key != record_key("conn-1", long_id + "y")
    assert key != record_key("conn-2", long_id)
    assert record_key("conn-1", 'a "quoted" id').isascii()
    assert '"' not in record_key("conn-1", 'a "quoted" id')


def test_a_sales_invoice_maps_its_lines_and_rounds_unit_amounts_to_cents() -> None:
    result = _payload("invoice", _invoice(number="INV-42", reference="PO 7", currency="AUD"))
    assert (result.resource, result.method) == ("Invoices", "PUT")
    assert result.element == {
        "Type": "ACCREC",
        "Contact": {"ContactID": "contact-guid-1"},
        "LineAmountTypes": "Exclusive",
        "LineItems": [
            {
                "Description": "Widgets",
                "Quantity": "2.0000",
                "UnitAmount": "10.01",
                "AccountCode": "200",
                "TaxType": "OUTPUT2",
                "Tracking": [{"Name": "Region", "Option": "North"}],
            }
        ],
        "CurrencyCode": "AUD",
        "Date": "2026-11-30",
        "DueDate": "2026-12-30",
        "Status": "AUTHORISED",
        "InvoiceNumber": "INV-42",
        "Reference": "PO 7",
    }
    assert result.search.where == 'InvoiceNumber=="INV-42"'


def test_a_negative_half_cent_rounds_away_from_zero() -> None:
    result = _payload("invoice", _invoice(lines=[_line(unit_amount="-2.345")]))
    assert result.element["LineItems"][0]["UnitAmount"] == "-2.35"


def test_an_invoice_without_a_number_carries_its_key_in_the_reference() -> None:
    result = _payload("invoice", _invoice(reference="PO 7"))
    key = record_key("conn-1", "inv-1")
    assert "InvoiceNumber" not in result.element
    assert result.element["Reference"] == f"PO 7 [{key}]"
    assert result.search.where == f'Reference.Contains("[{key}]")'


def test_a_bill_is_accpay_with_its_key_in_the_invoice_number_and_the_default_currency() -> None:
    result = _payload("invoice", _invoice(type="purchase", reference="SUP-991", status="draft"))
    key = record_key("conn-1", "inv-1")
    assert result.element["Type"] == "ACCPAY"
    assert result.element["Status"] == "DRAFT"
    assert result.element["InvoiceNumber"] == f"SUP-991 [{key}]"
    assert "Reference" not in result.element
    assert result.element["CurrencyCode"] == "NZD"
    assert result.search.where == f'InvoiceNumber.Contains("[{key}]")'


def test_an_account_without_a_code_is_sent_by_its_id_and_no_tax_lines_have_no_tax_type() -> None:
    line = {"unit_amount": 5, "category": "Cash"}
    result = _payload("invoice", _invoice(amounts_are="no_tax", lines=[line]))
    assert result.element["LineAmountTypes"] == "NoTax"
    assert result.element["LineItems"] == [
        {"Quantity": "1.0000", "UnitAmount": "5.00", "AccountID": "acc-cash"}
    ]


def test_an_update_of_an_invoice_posts_its_invoice_id() -> None:
    result = _payload("invoice", _invoice(), xero_id="inv-guid")
    assert result.method == "POST"
    assert result.element["InvoiceID"] == "inv-guid"


def test_a_document_whose_contact_is_not_in_xero_waits_for_it() -> None:
    result = translate(
        record("invoice", _invoice(contact_external_id="cust-2")),
        RESOLVER,
        CONTACTS,
        Organisation(),
    )
    assert result == Blocked("waiting for contact 'cust-2' to reach Xero", waiting_for="cust-2")


def test_an_unmapped_key_blocks_with_the_resolver_reason() -> None:
    raw = _invoice(lines=[_line(category="Rent")])
    result = translate(record("invoice", raw), RESOLVER, CONTACTS, Organisation())
    assert result == Blocked("no mapping for category 'Rent'")
    raw = _invoice(lines=[_line(tracking={"Region": "South"})])
    result = translate(record("invoice", raw), RESOLVER, CONTACTS, Organisation())
    assert result == Blocked("no mapping for tracking 'Region:South'")


def test_a_void_invoice_that_reached_xero_is_voided_there() -> None:
    result = _payload("invoice", _invoice(status="void"), xero_id="inv-guid")
    assert (result.method, result.element) == (
        "POST",
        {"InvoiceID": "inv-guid", "Status": "VOIDED"},
    )


def test_a_void_invoice_that_never_reached_xero_is_not_sent() -> None:
    result = translate(record("invoice", _invoice(status="void")), RESOLVER, {}, Organisation())
    assert isinstance(result, NotSent)


def test_a_bank_transaction_is_sent_to_its_mapped_bank_account() -> None:
    raw = {
        "external_id": "bt-1",
        "type": "spend",
        "money_account": "Main",
        "contact_external_id": "cust-1",
        "date": "2026-11-29",
        "amounts_are": "inclusive",
        "lines": [_line(unit_amount="115")],
    }
    result = _payload("bank_transaction", raw)
    key = record_key("conn-1", "bt-1")
    assert (result.resource, result.method) == ("BankTransactions", "PUT")
    assert result.element["Type"] == "SPEND"
    assert result.element["BankAccount"] == {"AccountID": "acc-bank"}
    assert result.element["LineAmountTypes"] == "Inclusive"
    assert result.element["Date"] == "2026-11-29"
    assert result.element["Reference"] == f"[{key}]"
    assert result.element["Status"] == "AUTHORISED"
    assert result.element["LineItems"][0]["UnitAmount"] == "115.00"
    assert result.search.where == f'Reference.Contains("[{key}]")'


def test_a_bank_transaction_with_an_unmapped_money_account_is_blocked() -> None:
    raw = {
        "external_id": "bt-1",
        "type": "receive",
        "money_account": "Savings",
        "contact_external_id": "cust-1",
        "date": "2026-11-29",
        "lines": [_line()],
    }
    result = translate(record("bank_transaction", raw), RESOLVER, CONTACTS, Organisation())
    assert result == Blocked("no mapping for 'Savings'")
