"""Where each kind lives in Xero, and the ``where`` clause that finds a batch's documents.

The key of ours each document carries (its ``SearchKey``) is chosen by the ledger's translation
(``ledger.xero_keys``): a contact's ``ContactNumber``, a sales invoice's ``InvoiceNumber``, or
``[key]`` tagged at the end of a ``Reference`` (a bill's ``InvoiceNumber``). The batch row keeps
each member's key, so a lost answer is reconciled from the row alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xero_connector.ledger.xero_keys import SearchKey

RESOURCES = {
    "contact": ("Contacts", "Contacts", "ContactID"),
    "invoice": ("Invoices", "Invoices", "InvoiceID"),
    "bank_transaction": ("BankTransactions", "BankTransactions", "BankTransactionID"),
}
"""kind -> (resource path, collection key, id field)."""


def member_key(kind: str, member: Mapping[str, Any]) -> SearchKey | None:
    """The search key a batch member was sent with (None when it had none)."""
    if not member.get("k"):
        return None
    return SearchKey(RESOURCES[kind][0], member["f"], member["k"], exact=bool(member["exact"]))


def where_any(keys: list[SearchKey]) -> str:
    """A Xero ``where`` clause matching a document carrying any of ``keys``."""
    return " OR ".join(key.where for key in keys)


def carries(doc: Mapping[str, Any], key: SearchKey) -> bool:
    """True when ``doc`` carries ``key`` (case-insensitive, as Xero's filter compares)."""
    value = doc.get(key.field)
    if not isinstance(value, str):
        return False
    if key.exact:
        return value.lower() == key.value.lower()
    return key.value.lower() in value.lower()
