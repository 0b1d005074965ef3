"""One organisation's accounting state: its chart (accounts, tax rates, tracking) and its documents.

Documents (contacts, invoices, bank transactions) are kept as ``Record``s whose ``body`` is already
in Xero's JSON shape (money as Decimal), so reading them is a copy and rendering is one ``orjson``
call. Indexes give the look-ups Xero's validation needs (invoice numbers, contact names and
numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo
from decimal import Decimal
from typing import Any

from xero_connector.sandbox.world import Organisation

Body = dict[str, Any]

SEED_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z: UpdatedDateUTC of everything seeded

ACCOUNT_CLASSES: dict[str, str] = {
    "BANK": "ASSET",
    "CURRENT": "ASSET",
    "FIXED": "ASSET",
    "INVENTORY": "ASSET",
    "NONCURRENT": "ASSET",
    "PREPAYMENT": "ASSET",
    "CURRLIAB": "LIABILITY",
    "LIABILITY": "LIABILITY",
    "TERMLIAB": "LIABILITY",
    "PAYG": "LIABILITY",
    "EQUITY": "EQUITY",
    "REVENUE": "REVENUE",
    "SALES": "REVENUE",
    "OTHERINCOME": "REVENUE",
    "EXPENSE": "EXPENSE",
    "OVERHEADS": "EXPENSE",
    "DIRECTCOSTS": "EXPENSE",
    "DEPRECIATN": "EXPENSE",
}

# System accounts no line item may post to directly.
LOCKED_SYSTEM_ACCOUNTS = frozenset(
    {"DEBTORS", "CREDITORS", "GST", "HISTORICAL", "RETAINEDEARNINGS", "TRACKINGTRANSFERS"}
)


@dataclass(slots=True)
class Account:
    """A chart-of-accounts entry."""

    account_id: str
    code: str
    name: str
    type: str
    account_class: str
    status: str
    tax_type: str
    system_account: str
    body: Body
    updated_ms: int = SEED_MS  # moves with every change (/_sandbox/settings); If-Modified-Since


@dataclass(slots=True)
class TaxRate:
    """A tax rate; ``applies_to`` holds the account classes its ``CanApplyTo*`` flags allow."""

    tax_type: str
    name: str
    rate: Decimal
    status: str
    applies_to: frozenset[str]
    body: Body
    updated_ms: int = SEED_MS  # Xero's TaxRate has no UpdatedDateUTC; kept for inspection


@dataclass(slots=True)
class TrackingOption:
    option_id: str
    name: str
    status: str


@dataclass(slots=True)
class TrackingCategory:
    """A tracking category with its options, keyed by lower-cased name."""

    category_id: str
    name: str
    status: str
    options: dict[str, TrackingOption]
    body: Body
    updated_ms: int = SEED_MS  # Xero's TrackingCategory has no UpdatedDateUTC either


@dataclass(slots=True)
class Record:
    """A stored document: its id, last update (epoch ms) and Xero-shaped body."""

    id: str
    updated_ms: int
    body: Body
    created_by: str = ""  # the client id of the app that created it ("" = seeded); createdByMyApp


@dataclass
class Ledger:
    """All accounting state of one tenant."""

    organisation: Organisation
    zone: tzinfo
    organisation_body: Body
    currencies: frozenset[str]
    accounts: dict[str, Account] = field(default_factory=dict)  # by code
    accounts_by_id: dict[str, Account] = field(default_factory=dict)
    tax_rates: dict[str, TaxRate] = field(default_factory=dict)  # by TaxType
    tracking: dict[str, TrackingCategory] = field(default_factory=dict)  # by lower-cased name
    tracking_by_id: dict[str, TrackingCategory] = field(default_factory=dict)
    contacts: dict[str, Record] = field(default_factory=dict)
    # the live {ContactID, Name, ...} summary embedded in documents, updated in place on change
    contact_summaries: dict[str, Body] = field(default_factory=dict)
    contact_by_name: dict[str, str] = field(default_factory=dict)  # lower-cased name -> id
    contact_by_number: dict[str, str] = field(default_factory=dict)
    invoices: dict[str, Record] = field(default_factory=dict)
    invoice_by_number: dict[str, str] = field(default_factory=dict)  # ACCREC numbers, lower-cased
    bank_transactions: dict[str, Record] = field(default_factory=dict)
    next_invoice_number: int = 1

    def counts(self) -> dict[str, int]:
        return {
            "accounts": len(self.accounts),
            "tax_rates": len(self.tax_rates),
            "tracking_categories": len(self.tracking),
            "contacts": len(self.contacts),
            "invoices": len(self.invoices),
            "bank_transactions": len(self.bank_transactions),
        }
