"""``MappingResolver``: what a record's keys map to in Xero now, or why nothing usable does.

Translation and sync ask it per key; every answer is a target or ``Blocked(reason)`` with a
human reason ("no mapping for category 'x'", "account 200 Sales is archived in Xero", ...).
A drifted mapping blocks just like a missing one, until the workspace fixes it; the records that
waited are released when the next resolver answers a target.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.repos.connections import get_connection
from xero_connector.db.repos.mappings import list_mappings
from xero_connector.db.settings_models import XeroAccount, XeroTaxRate, XeroTrackingOption
from xero_connector.errors import NotFound
from xero_connector.mappings import rules
from xero_connector.mappings.catalog import Catalog, Organisation, load_catalog
from xero_connector.mappings.drift import MappingState, mapping_state

Row = TypeVar("Row", XeroAccount, XeroTaxRate, XeroTrackingOption)

# What records call each kind's key, for the reasons.
KEY_NAMES = {
    "account": "category",
    "tax": "tax code",
    "bank_account": "money account",
    "tracking": "tracking",
}


@dataclass(frozen=True)
class Blocked:
    """Why a key has no usable Xero target."""

    reason: str


@dataclass(frozen=True)
class AccountTarget:
    """An account a line (or a bank transaction) may use: send ``code`` or ``account_id``."""

    account_id: str
    code: str | None
    account_class: str | None = None
    type: str | None = None


@dataclass(frozen=True)
class TaxTarget:
    tax_type: str


@dataclass(frozen=True)
class TrackingTarget:
    """Xero's line ``Tracking`` takes the category's and the option's current names."""

    category_id: str
    category_name: str
    option_id: str
    option_name: str


class MappingResolver:
    """The mappings and cached settings of one connection, loaded once (no I/O afterwards)."""

    def __init__(self, catalog: Catalog, states: list[MappingState]) -> None:
        self._catalog = catalog
        self._states = {(s.mapping.kind, s.mapping.source_key): s for s in states}

    @property
    def organisation(self) -> Organisation:
        """Base currency, timezone, country and default tax settings (None until pulled)."""
        return self._catalog.organisation

    def _row(self, kind: str, source_key: str, row_type: type[Row]) -> Row | Blocked:
        state = self._states.get((kind, source_key))
        if state is None:
            return Blocked(f"no mapping for {KEY_NAMES[kind]} {source_key!r}")
        row = state.target.row if state.target is not None else None
        if state.reason is not None or not isinstance(row, row_type):
            return Blocked(
                f"the mapping of {KEY_NAMES[kind]} {source_key!r} drifted: {state.reason}"
            )
        return row

    def _account(self, kind: str, source_key: str) -> AccountTarget | Blocked:
        row = self._row(kind, source_key, XeroAccount)
        if isinstance(row, Blocked):
            return row
        return AccountTarget(row.account_id, row.code, row.account_class, row.type)

    def account(self, source_key: str) -> AccountTarget | Blocked:
        """The account a line with ``category == source_key`` posts to."""
        return self._account("account", source_key)

    def bank_account(self, source_key: str) -> AccountTarget | Blocked:
        """The BANK account of a bank transaction with ``money_account == source_key``."""
        return self._account("bank_account", source_key)

    def tax(self, source_key: str, *, account: AccountTarget | None = None) -> TaxTarget | Blocked:
        """The tax type of a line with ``tax_code == source_key``; with ``account``, also
        checked against that account's class (Xero refuses a tax type that cannot apply)."""
        rate = self._row("tax", source_key, XeroTaxRate)
        if isinstance(rate, Blocked):
            return rate
        if account is not None:
            cached = self._catalog.account(account_id=account.account_id)
            if cached is not None and (problem := rules.tax_with_account_problem(rate, cached)):
                return Blocked(problem)
        return TaxTarget(rate.tax_type)

    def tracking(self, dimension: str, value: str) -> TrackingTarget | Blocked:
        """The tracking option of a line's ``tracking[dimension] == value``."""
        option = self._row("tracking", f"{dimension}:{value}", XeroTrackingOption)
        if isinstance(option, Blocked):
            return option
        category = self._catalog.categories[option.tracking_category_id]
        return TrackingTarget(
            category.tracking_category_id, category.name, option.tracking_option_id, option.name
        )


async def load_resolver(session: AsyncSession, connection_id: str) -> MappingResolver:
    """The resolver over the connection's mappings and its last settings pull."""
    connection = await get_connection(session, connection_id)
    if connection is None:
        raise NotFound("no such connection")
    catalog = await load_catalog(session, connection)
    mappings = await list_mappings(session, connection_id)
    return MappingResolver(catalog, [mapping_state(m, catalog) for m in mappings])
