"""The contacts and sample documents every organisation starts with.

They go through the same rules as API writes, so a seeded invoice looks exactly like a created one.
"""

from __future__ import annotations

from xero_connector.sandbox.accounting.charts_data import CHARTS
from xero_connector.sandbox.accounting.context import Outcome, WriteContext
from xero_connector.sandbox.accounting.rules_bank import apply_bank_transaction
from xero_connector.sandbox.accounting.rules_contacts import apply_contact
from xero_connector.sandbox.accounting.rules_invoices import apply_invoice


def _ok(outcome: Outcome) -> None:
    if outcome.errors:  # a broken seed is a bug in the sandbox, not a client error
        raise RuntimeError(f"seed document rejected: {outcome.errors}")


def seed_documents(ctx: WriteContext) -> None:
    ledger = ctx.ledger
    chart = CHARTS.get(ledger.organisation.country, CHARTS["US"])
    for name, number, status in chart.contacts:
        _ok(
            apply_contact(
                ctx, {"Name": name, "ContactNumber": number, "ContactStatus": status}, None
            )
        )
    customer, supplier = chart.contacts[0][1], chart.contacts[2][1]
    _ok(
        apply_invoice(
            ctx,
            {
                "Type": "ACCREC",
                "Contact": {"ContactNumber": customer},
                "Date": "2023-12-01",
                "DueDate": "2023-12-31",
                "Status": "AUTHORISED",
                "Reference": "Seeded sale",
                "LineItems": [
                    {
                        "Description": "Consulting",
                        "Quantity": 10,
                        "UnitAmount": 150,
                        "AccountCode": "200",
                    }
                ],
            },
            None,
        )
    )
    _ok(
        apply_invoice(
            ctx,
            {
                "Type": "ACCPAY",
                "Contact": {"ContactNumber": supplier},
                "Date": "2023-12-05",
                "InvoiceNumber": "BILL-1001",
                "LineItems": [
                    {
                        "Description": "Office supplies",
                        "Quantity": 3,
                        "UnitAmount": 45.5,
                        "AccountCode": "429",
                    }
                ],
            },
            None,
        )
    )
    _ok(
        apply_bank_transaction(
            ctx,
            {
                "Type": "SPEND",
                "Contact": {"ContactNumber": supplier},
                "BankAccount": {"Code": "090"},
                "Date": "2023-12-10",
                "Reference": "Monthly fee",
                "LineItems": [
                    {"Description": "Account fee", "UnitAmount": 12.5, "AccountCode": "404"}
                ],
            },
            None,
        )
    )
