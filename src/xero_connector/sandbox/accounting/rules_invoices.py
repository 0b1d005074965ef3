"""Invoices (ACCREC sales invoices, ACCPAY bills): validation, amounts, status changes, storage.

An update (POST with an ``InvoiceID``) overlays the given fields on the stored invoice and validates
the result like a create. ACCREC invoice numbers are unique (case-insensitively) and generated as
``INV-0001``... when missing. Non-draft invoices need a due date, lines and an account on every
line.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from xero_connector.sandbox.accounting.context import Outcome, WriteContext
from xero_connector.sandbox.accounting.ledger import Body, Ledger, Record
from xero_connector.sandbox.accounting.money import (
    EXCLUSIVE,
    LINE_AMOUNT_TYPES,
    ONE,
    ZERO,
    to_decimal,
    totals,
)
from xero_connector.sandbox.accounting.msdates import (
    iso_date_string,
    ms_date,
    ms_timestamp,
    parse_document_date,
)
from xero_connector.sandbox.accounting.rules_contacts import (
    CONTACT_REQUIRED,
    ContactRef,
    commit_contact,
    resolve_contact,
)
from xero_connector.sandbox.accounting.rules_lines import build_lines

INVOICE_TYPES = ("ACCREC", "ACCPAY")
_OPEN = frozenset({"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"})
NEXT_STATUSES: dict[str | None, frozenset[str]] = {
    None: frozenset({"DRAFT", "SUBMITTED", "AUTHORISED"}),
    "DRAFT": _OPEN,
    "SUBMITTED": _OPEN,
    "AUTHORISED": frozenset({"AUTHORISED", "VOIDED"}),
}
_PASS_THROUGH = (
    "Url",
    "ExpectedPaymentDate",
    "PlannedPaymentDate",
    "SentToContact",
    "BrandingThemeID",
)


def document_date(el: Body, old: Body | None, key: str, errors: list[str]) -> date | None:
    if key in el:
        parsed = parse_document_date(el[key])
        if parsed is None and el[key] not in (None, ""):
            errors.append(f"The {key} '{el[key]}' is not a valid date.")
        return parsed
    if old is not None and f"{key}String" in old:
        return date.fromisoformat(old[f"{key}String"][:10])
    return None


def _number(
    ledger: Ledger, el: Body, old: Body | None, type_: str, errors: list[str]
) -> str | None:
    given = el.get("InvoiceNumber")
    number = given if isinstance(given, str) and given else (old or {}).get("InvoiceNumber")
    if type_ == "ACCREC" and number:
        holder = ledger.invoice_by_number.get(number.lower())
        if holder is not None and holder != (old or {}).get("InvoiceID"):
            errors.append("Invoice # must be unique.")
    return number


def _next_number(ledger: Ledger) -> str:
    while True:
        number = f"INV-{ledger.next_invoice_number:04d}"
        ledger.next_invoice_number += 1
        if number.lower() not in ledger.invoice_by_number:
            return number


def reused_lines(old: Body) -> list[Any]:
    # stored tax amounts are recomputed, not treated as overrides
    return [{k: v for k, v in line.items() if k != "TaxAmount"} for line in old["LineItems"]]


def apply_invoice(ctx: WriteContext, el: Body, existing: Record | None) -> Outcome:
    """Validate one Invoices element and, when valid, create or update the invoice."""
    outcome = Outcome()
    errors, warnings = outcome.errors, outcome.warnings
    ledger = ctx.ledger
    old = existing.body if existing else None
    if old is not None and old["Status"] not in NEXT_STATUSES:
        errors.append("Invoice not of valid status for modification")
        return outcome
    type_ = el.get("Type") or (old or {}).get("Type")
    if type_ not in INVOICE_TYPES:
        errors.append("Invoice Type must be ACCREC or ACCPAY.")
        return outcome
    if old is not None and type_ != old["Type"]:
        errors.append("The Type of an existing invoice cannot be changed.")
    status = el.get("Status") or (old["Status"] if old else "DRAFT")
    if status not in NEXT_STATUSES[old["Status"] if old else None]:
        errors.append(f"Invoice status cannot be changed to {status}.")
    lat = el.get("LineAmountTypes") or (old or {}).get("LineAmountTypes") or EXCLUSIVE
    if lat not in LINE_AMOUNT_TYPES:
        errors.append(f"LineAmountTypes '{lat}' is not valid.")
    day = document_date(el, old, "Date", errors) or ctx.today
    due = document_date(el, old, "DueDate", errors)
    if due is None and status in ("SUBMITTED", "AUTHORISED"):
        errors.append("Due Date must be specified for an approved invoice.")
    currency = el.get("CurrencyCode") or (old or {}).get("CurrencyCode")
    currency = currency or ledger.organisation.base_currency
    if currency not in ledger.currencies:
        errors.append(f"The currency '{currency}' is not enabled for this organisation.")
    number = _number(ledger, el, old, type_, errors)
    if "Contact" in el or old is None:
        ref = resolve_contact(ctx, el.get("Contact"), errors, warnings)
    else:
        ref = ContactRef(old["Contact"]["ContactID"])
    raw_lines = el["LineItems"] if "LineItems" in el else (reused_lines(old) if old else [])
    if not isinstance(raw_lines, list):
        errors.append("LineItems must be a list.")
        raw_lines = []
    if not raw_lines and status in ("SUBMITTED", "AUTHORISED"):
        errors.append("An approved invoice must have at least one line item.")
    lines = build_lines(
        ctx, raw_lines, lat, require_account=status != "DRAFT", errors=errors, warnings=warnings
    )
    if errors:
        return outcome
    if ref.contact_id is None and ref.new_contact is None:
        errors.append(CONTACT_REQUIRED)
        return outcome
    contact = commit_contact(ctx, ref, customer=type_ == "ACCREC")
    if type_ == "ACCREC" and not number:
        number = _next_number(ledger)
    sub_total, total_tax, total = totals(lines.amounts, lines.taxes, lat)
    invoice_id = old["InvoiceID"] if old else ctx.new_id()
    body: Body = {
        "Type": type_,
        "InvoiceID": invoice_id,
        "InvoiceNumber": number or "",
        "Reference": el.get("Reference", (old or {}).get("Reference", "")),
        "Contact": contact,
        "DateString": iso_date_string(day),
        "Date": ms_date(day),
        "Status": status,
        "LineAmountTypes": lat,
        "LineItems": lines.lines,
        "SubTotal": sub_total,
        "TotalTax": total_tax,
        "Total": total,
        "UpdatedDateUTC": ms_timestamp(ctx.now_ms),
        "CurrencyCode": currency,
        "CurrencyRate": to_decimal(el.get("CurrencyRate")) or (old or {}).get("CurrencyRate", ONE),
        "AmountDue": ZERO if status in ("VOIDED", "DELETED") else total,
        "AmountPaid": ZERO,
        "AmountCredited": ZERO,
        "IsDiscounted": any("DiscountRate" in line for line in lines.lines),
        "HasAttachments": False,
        "HasErrors": False,
        "Payments": [],
        "Prepayments": [],
        "Overpayments": [],
        "CreditNotes": [],
    }
    if due is not None:
        body["DueDateString"] = iso_date_string(due)
        body["DueDate"] = ms_date(due)
    for key in _PASS_THROUGH:
        if key in el:
            body[key] = el[key]
        elif old is not None and key in old:
            body[key] = old[key]
    record = Record(invoice_id, ctx.now_ms, body)
    ledger.invoices[invoice_id] = record
    if type_ == "ACCREC":
        if old is not None and old["InvoiceNumber"] and old["InvoiceNumber"] != number:
            ledger.invoice_by_number.pop(old["InvoiceNumber"].lower(), None)
        ledger.invoice_by_number[str(number).lower()] = invoice_id
    outcome.record = record
    return outcome
