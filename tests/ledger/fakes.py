"""A mapping resolver and records for translation tests, without a database."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xero_connector.ledger.ingest import validate_item
from xero_connector.ledger.schemas import MODELS


@dataclass(frozen=True)
class Refusal:
    reason: str


@dataclass(frozen=True)
class Account:
    account_id: str
    code: str | None


@dataclass(frozen=True)
class Tax:
    tax_type: str


@dataclass(frozen=True)
class Tracking:
    category_name: str
    option_name: str


@dataclass
class FakeResolver:
    """Mappings as plain dicts; anything else is refused the way the real resolver words it."""

    accounts: dict[str, Account] = field(default_factory=dict)
    taxes: dict[str, Tax] = field(default_factory=dict)
    banks: dict[str, Account] = field(default_factory=dict)
    tracking_options: dict[str, Tracking] = field(default_factory=dict)

    def account(self, source_key: str) -> Account | Refusal:
        return self.accounts.get(source_key) or Refusal(f"no mapping for category '{source_key}'")

    def tax(self, source_key: str, *, account: Any = None) -> Tax | Refusal:
        del account
        return self.taxes.get(source_key) or Refusal(f"no mapping for tax code '{source_key}'")

    def bank_account(self, source_key: str) -> Account | Refusal:
        return self.banks.get(source_key) or Refusal(f"no mapping for '{source_key}'")

    def tracking(self, dimension: str, value: str) -> Tracking | Refusal:
        key = f"{dimension}:{value}"
        return self.tracking_options.get(key) or Refusal(f"no mapping for tracking '{key}'")


@dataclass(frozen=True)
class Organisation:
    base_currency: str | None = "NZD"


@dataclass
class RecordRow:
    connection_id: str
    kind: str
    external_id: str
    payload: dict[str, Any]
    xero_id: str | None = None


def record(kind: str, raw: dict[str, Any], *, xero_id: str | None = None) -> RecordRow:
    """A record as ingestion would store ``raw`` (which must be valid)."""
    assert kind in MODELS
    stored = validate_item(kind, raw)
    assert not isinstance(stored, list), stored
    return RecordRow("conn-1", kind, stored.external_id, stored.payload, xero_id)
