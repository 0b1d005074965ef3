"""The three writable resources described once: their path, JSON key, id field and rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from xero_connector.sandbox.accounting.context import Outcome, WriteContext
from xero_connector.sandbox.accounting.ledger import Body, Ledger, Record
from xero_connector.sandbox.accounting.rules_bank import apply_bank_transaction
from xero_connector.sandbox.accounting.rules_contacts import apply_contact
from xero_connector.sandbox.accounting.rules_invoices import apply_invoice


@dataclass(frozen=True)
class ResourceSpec:
    """How the generic read and write handlers treat one document collection."""

    collection: str  # path segment and JSON key: "Invoices"
    element: str  # component schema of one element: "Invoice"
    id_field: str  # "InvoiceID"
    label: str  # for messages: "Invoice"
    records: Callable[[Ledger], dict[str, Record]]
    apply: Callable[[WriteContext, Body, Record | None], Outcome]
    by_number: Callable[[Ledger], dict[str, str]] | None = None  # look-up by number in the path
    id_lists: dict[str, str] = field(default_factory=dict)  # query parameter -> body field
    error_flag: str | None = None  # the element's "has errors" boolean, where the spec has one

    def find(self, ledger: Ledger, key: str) -> Record | None:
        """By id, or (invoices, contacts) by InvoiceNumber / ContactNumber as Xero allows."""
        records = self.records(ledger)
        found = records.get(key.lower())
        if found is None and self.by_number is not None:
            record_id = self.by_number(ledger).get(key.lower())
            found = records.get(record_id) if record_id else None
        return found


INVOICES = ResourceSpec(
    collection="Invoices",
    element="Invoice",
    id_field="InvoiceID",
    label="Invoice",
    records=lambda ledger: ledger.invoices,
    apply=apply_invoice,
    by_number=lambda ledger: ledger.invoice_by_number,
    id_lists={
        "IDs": "InvoiceID",
        "InvoiceNumbers": "InvoiceNumber",
        "ContactIDs": "Contact.ContactID",
        "Statuses": "Status",
    },
    error_flag="HasErrors",
)
CONTACTS = ResourceSpec(
    collection="Contacts",
    element="Contact",
    id_field="ContactID",
    label="Contact",
    records=lambda ledger: ledger.contacts,
    apply=apply_contact,
    by_number=lambda ledger: ledger.contact_by_number,
    id_lists={"IDs": "ContactID"},
    error_flag="HasValidationErrors",
)
BANK_TRANSACTIONS = ResourceSpec(
    collection="BankTransactions",
    element="BankTransaction",
    id_field="BankTransactionID",
    label="Bank transaction",
    records=lambda ledger: ledger.bank_transactions,
    apply=apply_bank_transaction,
)
RESOURCES = (CONTACTS, INVOICES, BANK_TRANSACTIONS)
