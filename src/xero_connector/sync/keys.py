"""The key of ours each document carries where Xero can search for it (reconciliation).

A write whose answer was lost is never resent blindly: its records are looked up in Xero by
this key first. Xero remembers an ``Idempotency-Key`` only minutes, invoice numbers are unique
only for sales invoices and bank transactions have no natural key, so:

- a contact: ``ContactNumber`` (what the payload carries, else derived from the external id);
- an invoice: ``InvoiceNumber`` when the payload has one, else ``Reference`` (derived from the
  external id when the payload has none);
- a bank transaction: ``Reference`` (the same).

The derived key is the external id itself when it fits Xero's field (50 characters for a
ContactNumber, 255 for a Reference), else ``xc-`` and 40 hex digits of its sha256.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

MAX_LENGTH = {"ContactNumber": 50, "InvoiceNumber": 255, "Reference": 255}

RESOURCES = {
    "contact": ("Contacts", "Contacts", "ContactID"),
    "invoice": ("Invoices", "Invoices", "InvoiceID"),
    "bank_transaction": ("BankTransactions", "BankTransactions", "BankTransactionID"),
}
"""kind -> (resource path, collection key, id field)."""


@dataclass(frozen=True)
class LookupKey:
    """Where a record's key of ours sits in its Xero document."""

    field: str
    value: str


def derived_key(external_id: str, field: str) -> str:
    if len(external_id) <= MAX_LENGTH[field] and external_id.strip() == external_id:
        return external_id
    return "xc-" + hashlib.sha256(external_id.encode()).hexdigest()[:40]


def with_lookup_key(kind: str, payload: dict[str, Any], external_id: str) -> dict[str, Any]:
    """``payload`` carrying its key of ours (unchanged when it already has one)."""
    field = "ContactNumber" if kind == "contact" else "Reference"
    if kind == "invoice" and payload.get("InvoiceNumber"):
        return payload
    if payload.get(field):
        return payload
    return {**payload, field: derived_key(external_id, field)}


def lookup_key(kind: str, payload: dict[str, Any]) -> LookupKey | None:
    """The key a payload (after :func:`with_lookup_key`) can be found by in Xero."""
    fields: tuple[str, ...]
    if kind == "contact":
        fields = ("ContactNumber",)
    elif kind == "invoice":
        fields = ("InvoiceNumber", "Reference")
    else:
        fields = ("Reference",)
    for field in fields:
        value = payload.get(field)
        if isinstance(value, str) and value:
            return LookupKey(field, value)
    return None


def where_any(field: str, values: list[str]) -> str:
    """A Xero ``where`` clause matching any of ``values`` in ``field``."""
    quoted = ['"' + value.replace('"', '\\"') + '"' for value in values]
    return " OR ".join(f"{field}=={value}" for value in quoted)
