"""Bank transactions (money received into or spent from a BANK account): validation and storage.

``BankAccount`` names the bank account by ``AccountID`` or ``Code``; it must be an ACTIVE account of
type BANK. Transfers have their own endpoint in Xero and are refused here. Every line needs an
account. A reconciled transaction's lines and amounts cannot be edited; DELETED is final.
"""

from __future__ import annotations

from xero_connector.sandbox.accounting.context import Outcome, WriteContext
from xero_connector.sandbox.accounting.ledger import Account, Body, Record
from xero_connector.sandbox.accounting.money import (
    EXCLUSIVE,
    LINE_AMOUNT_TYPES,
    ONE,
    to_decimal,
    totals,
)
from xero_connector.sandbox.accounting.msdates import iso_date_string, ms_date, ms_timestamp
from xero_connector.sandbox.accounting.rules_contacts import (
    ContactRef,
    commit_contact,
    resolve_contact,
)
from xero_connector.sandbox.accounting.rules_invoices import document_date, reused_lines
from xero_connector.sandbox.accounting.rules_lines import build_lines, resolve_account

BANK_TYPES = (
    "RECEIVE",
    "SPEND",
    "RECEIVE-OVERPAYMENT",
    "SPEND-OVERPAYMENT",
    "RECEIVE-PREPAYMENT",
    "SPEND-PREPAYMENT",
)
_RECONCILED = (
    "This Bank Transaction cannot be edited as it has been reconciled with a Bank Statement."
)


def _bank_account(
    ctx: WriteContext, raw: object, old: Body | None, errors: list[str]
) -> Account | None:
    if raw is None and old is not None:
        return ctx.ledger.accounts_by_id[old["BankAccount"]["AccountID"]]
    ref = raw if isinstance(raw, dict) else {}
    account = resolve_account(ctx.ledger, ref.get("Code"), ref.get("AccountID"))
    if not ref.get("Code") and not ref.get("AccountID"):
        errors.append("A bank account must be specified.")
    elif account is None:
        errors.append(
            f"The bank account '{ref.get('Code') or ref.get('AccountID')}' could not be found."
        )
    elif account.type != "BANK":
        errors.append(f"Account code '{account.code}' is not a bank account.")
    elif account.status != "ACTIVE":
        errors.append(f"The bank account '{account.code}' has been archived, or deleted.")
    else:
        return account
    return None


def _status(el: Body, old: Body | None, errors: list[str]) -> str:
    status = el.get("Status") or (old["Status"] if old else "AUTHORISED")
    if old is None and status != "AUTHORISED":
        errors.append("A new bank transaction must have the status AUTHORISED.")
    elif old is not None and status not in ("AUTHORISED", "DELETED"):
        errors.append(f"Bank transaction status cannot be changed to {status}.")
    return str(status)


def apply_bank_transaction(ctx: WriteContext, el: Body, existing: Record | None) -> Outcome:
    """Validate one BankTransactions element and, when valid, create or update it."""
    outcome = Outcome()
    errors, warnings = outcome.errors, outcome.warnings
    ledger = ctx.ledger
    old = existing.body if existing else None
    if old is not None and old["Status"] == "DELETED":
        errors.append("This bank transaction has been deleted and cannot be edited.")
        return outcome
    if old is not None and old["IsReconciled"] and ("LineItems" in el or "BankAccount" in el):
        errors.append(_RECONCILED)
        return outcome
    type_ = el.get("Type") or (old or {}).get("Type")
    if type_ not in BANK_TYPES:
        errors.append(
            "Bank transfers must be made through BankTransfers."
            if isinstance(type_, str) and type_.endswith("TRANSFER")
            else "Bank transaction Type must be RECEIVE or SPEND (or an overpayment or prepayment)."
        )
        return outcome
    status = _status(el, old, errors)
    bank = _bank_account(ctx, el.get("BankAccount"), old, errors)
    lat = el.get("LineAmountTypes") or (old or {}).get("LineAmountTypes") or EXCLUSIVE
    if lat not in LINE_AMOUNT_TYPES:
        errors.append(f"LineAmountTypes '{lat}' is not valid.")
    day = document_date(el, old, "Date", errors) or ctx.today
    if "Contact" in el or old is None:
        ref = resolve_contact(ctx, el.get("Contact"), errors, warnings)
    else:
        ref = ContactRef(old["Contact"]["ContactID"])
    raw_lines = el["LineItems"] if "LineItems" in el else (reused_lines(old) if old else [])
    if not isinstance(raw_lines, list) or not raw_lines:
        errors.append("A bank transaction must have at least one line item.")
        raw_lines = []
    lines = build_lines(ctx, raw_lines, lat, require_account=True, errors=errors, warnings=warnings)
    if errors or bank is None:
        return outcome
    contact = commit_contact(ctx, ref, customer=type_.startswith("RECEIVE"))
    sub_total, total_tax, total = totals(lines.amounts, lines.taxes, lat)
    transaction_id = old["BankTransactionID"] if old else ctx.new_id()
    body: Body = {
        "BankTransactionID": transaction_id,
        "Type": type_,
        "Contact": contact,
        "BankAccount": {"AccountID": bank.account_id, "Code": bank.code, "Name": bank.name},
        "IsReconciled": bool(el.get("IsReconciled", (old or {}).get("IsReconciled", False))),
        "DateString": iso_date_string(day),
        "Date": ms_date(day),
        "Reference": el.get("Reference", (old or {}).get("Reference", "")),
        "CurrencyCode": ledger.organisation.base_currency,
        "CurrencyRate": to_decimal(el.get("CurrencyRate")) or (old or {}).get("CurrencyRate", ONE),
        "Status": status,
        "LineAmountTypes": lat,
        "LineItems": lines.lines,
        "SubTotal": sub_total,
        "TotalTax": total_tax,
        "Total": total,
        "UpdatedDateUTC": ms_timestamp(ctx.now_ms),
        "HasAttachments": False,
    }
    if "Url" in el:
        body["Url"] = el["Url"]
    record = Record(transaction_id, ctx.now_ms, body)
    ledger.bank_transactions[transaction_id] = record
    outcome.record = record
    return outcome
