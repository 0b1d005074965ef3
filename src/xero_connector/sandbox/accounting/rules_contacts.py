"""Contacts: create/update validation, and how documents name their contact.

A contact's ``Name`` is unique (case-insensitively) among ACTIVE contacts, its ``ContactNumber``
among all contacts. A document's ``Contact`` is resolved as Xero does: by ``ContactID`` (must
exist), else by ``ContactNumber``, else by ``Name``; an unknown name creates a new contact (with a
warning here).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from xero_connector.sandbox.accounting.context import Outcome, WriteContext
from xero_connector.sandbox.accounting.ledger import Body, Ledger, Record
from xero_connector.sandbox.accounting.msdates import ms_timestamp

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TEXT_FIELDS = (
    "FirstName",
    "LastName",
    "EmailAddress",
    "ContactNumber",
    "AccountNumber",
    "CompanyNumber",
    "TaxNumber",
    "BankAccountDetails",
    "AccountsReceivableTaxType",
    "AccountsPayableTaxType",
    "DefaultCurrency",
    "SalesDefaultAccountCode",
    "PurchasesDefaultAccountCode",
)
_LIST_FIELDS = ("Addresses", "Phones", "ContactPersons")
CONTACT_REQUIRED = "A Contact must be specified for this type of transaction"


def name_taken_message(name: str) -> str:
    return (
        f"The contact name {name} is already assigned to another contact. The contact name must "
        "be unique across all active contacts."
    )


def _check(ctx: WriteContext, el: Body, existing: Record | None, errors: list[str]) -> None:
    ledger = ctx.ledger
    own_id = existing.id if existing else None
    name = el.get("Name")
    if existing is None and not (isinstance(name, str) and name.strip()):
        errors.append("The contact name must be specified.")
    if isinstance(name, str) and name.strip():
        holder = ledger.contact_by_name.get(name.strip().lower())
        if holder is not None and holder != own_id:
            errors.append(name_taken_message(name.strip()))
    number = el.get("ContactNumber")
    if isinstance(number, str) and number:
        holder = ledger.contact_by_number.get(number.lower())
        if holder is not None and holder != own_id:
            errors.append("Another contact has this contact number. Please enter a different one.")
    email = el.get("EmailAddress")
    if isinstance(email, str) and email and not _EMAIL.match(email):
        errors.append("Email address must be valid.")
    status = el.get("ContactStatus")
    if status is not None and status not in ("ACTIVE", "ARCHIVED"):
        errors.append(f"Contact status '{status}' cannot be set through the API.")
    for key in ("AccountsReceivableTaxType", "AccountsPayableTaxType"):
        tax_type = el.get(key)
        if tax_type and tax_type not in ledger.tax_rates:
            errors.append(f"The TaxType code '{tax_type}' does not exist.")


def _index(ledger: Ledger, record: Record, old: Body | None) -> None:
    body = record.body
    if old is not None:
        if ledger.contact_by_name.get(old["Name"].lower()) == record.id:
            del ledger.contact_by_name[old["Name"].lower()]
        old_number = old.get("ContactNumber")
        if old_number and ledger.contact_by_number.get(old_number.lower()) == record.id:
            del ledger.contact_by_number[old_number.lower()]
    if body["ContactStatus"] == "ACTIVE":
        ledger.contact_by_name[body["Name"].lower()] = record.id
    if number := body.get("ContactNumber"):
        ledger.contact_by_number[number.lower()] = record.id
    summary = ledger.contact_summaries.setdefault(record.id, {})
    summary.clear()
    summary.update(ContactID=record.id, Name=body["Name"], ContactStatus=body["ContactStatus"])
    if number:
        summary["ContactNumber"] = number


def store_contact(ctx: WriteContext, el: Body, existing: Record | None) -> Record:
    """Write a (validated) contact into the ledger."""
    ledger = ctx.ledger
    old = existing.body if existing else None
    body: Body = (
        dict(old)
        if old
        else {
            "ContactID": ctx.new_id(),
            "ContactStatus": "ACTIVE",
            "Addresses": [],
            "Phones": [],
            "ContactPersons": [],
            "ContactGroups": [],
            "IsSupplier": False,
            "IsCustomer": False,
            "HasAttachments": False,
            "HasValidationErrors": False,
        }
    )
    if isinstance(el.get("Name"), str) and el["Name"].strip():
        body["Name"] = el["Name"].strip()
    if el.get("ContactStatus"):
        body["ContactStatus"] = el["ContactStatus"]
    for key in _TEXT_FIELDS:
        if key in el:
            body[key] = el[key]
    for key in _LIST_FIELDS:
        if isinstance(el.get(key), list):
            body[key] = el[key]
    body["UpdatedDateUTC"] = ms_timestamp(ctx.now_ms)
    record = Record(body["ContactID"], ctx.now_ms, body)
    ledger.contacts[record.id] = record
    _index(ledger, record, old)
    return record


def apply_contact(ctx: WriteContext, el: Body, existing: Record | None) -> Outcome:
    """Validate one Contacts element and, when valid, create or update the contact."""
    outcome = Outcome()
    _check(ctx, el, existing, outcome.errors)
    if not outcome.errors:
        outcome.record = store_contact(ctx, el, existing)
    return outcome


@dataclass(slots=True)
class ContactRef:
    """A document's resolved contact: an existing id, or a name to create on commit."""

    contact_id: str | None
    new_contact: Body | None = None


def resolve_contact(
    ctx: WriteContext, raw: Any, errors: list[str], warnings: list[str]
) -> ContactRef:
    ledger = ctx.ledger
    if not isinstance(raw, dict) or not any(
        raw.get(k) for k in ("ContactID", "ContactNumber", "Name")
    ):
        errors.append(CONTACT_REQUIRED)
        return ContactRef(None)
    if contact_id := raw.get("ContactID"):
        key = str(contact_id).lower()
        if key not in ledger.contacts:
            errors.append(f"The contact with ContactID '{contact_id}' could not be found.")
            return ContactRef(None)
        return ContactRef(key)
    number, name = raw.get("ContactNumber"), raw.get("Name")
    if (
        isinstance(number, str)
        and number
        and (found := ledger.contact_by_number.get(number.lower()))
    ):
        return ContactRef(found)
    if isinstance(name, str) and name.strip():
        if found := ledger.contact_by_name.get(name.strip().lower()):
            return ContactRef(found)
        warnings.append(f"A new contact '{name.strip()}' was created.")
        new: Body = {"Name": name.strip()}
        if isinstance(number, str) and number:
            new["ContactNumber"] = number
        return ContactRef(None, new)
    errors.append(f"The contact with ContactNumber '{number}' could not be found.")
    return ContactRef(None)


def commit_contact(ctx: WriteContext, ref: ContactRef, *, customer: bool) -> Body:
    """The contact summary to embed in a document; creates the contact if the ref asks for it."""
    ledger = ctx.ledger
    if ref.contact_id is None:
        assert ref.new_contact is not None
        ref.contact_id = store_contact(ctx, ref.new_contact, None).id
    contact = ledger.contacts[ref.contact_id].body
    flag = "IsCustomer" if customer else "IsSupplier"
    if not contact.get(flag):
        contact[flag] = True
    return ledger.contact_summaries[ref.contact_id]
