"""The cached settings as the read API lists them, with the contract's filters.

``usable_for`` follows Xero's rules (``rules``): ``sales`` and ``purchases`` list the accounts a
line may post to (Xero allows any of them on either side), ``bank`` the ACTIVE BANK accounts.
Charts are small (hundreds of rows), so filtering happens on the loaded catalog.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.models import Connection
from xero_connector.db.settings_models import (
    XeroAccount,
    XeroTaxRate,
    XeroTrackingCategory,
    XeroTrackingOption,
)
from xero_connector.errors import InvalidInput
from xero_connector.mappings import rules
from xero_connector.mappings.catalog import load_catalog

UsableFor = Literal["sales", "purchases", "bank"]
ApplyWord = Literal["revenue", "expenses", "assets", "liabilities", "equity"]


@dataclass(frozen=True)
class AccountFilter:
    status: str | None = None
    type: str | None = None
    account_class: str | None = None
    usable_for: UsableFor | None = None

    def keeps(self, account: XeroAccount) -> bool:
        if self.status is not None and account.status != self.status.upper():
            return False
        if self.type is not None and account.type != self.type.upper():
            return False
        if self.account_class is not None and account.account_class != self.account_class.upper():
            return False
        if self.usable_for == "bank":
            return rules.usable_for_bank(account)
        if self.usable_for is not None:
            return rules.usable_on_lines(account)
        return True


async def list_accounts(
    session: AsyncSession, connection: Connection, wanted: AccountFilter
) -> list[XeroAccount]:
    catalog = await load_catalog(session, connection)
    return [a for a in catalog.accounts.values() if wanted.keeps(a)]


async def list_tax_rates(
    session: AsyncSession,
    connection: Connection,
    *,
    status: str | None = None,
    can_apply_to: ApplyWord | None = None,
    account: str | None = None,
) -> list[XeroTaxRate]:
    """Tax rates; ``account`` (an AccountID or code) keeps those that can apply to its class."""
    catalog = await load_catalog(session, connection)
    with_account = None
    if account is not None:
        with_account = catalog.account(account_id=account) or catalog.account(code=account)
        if with_account is None:
            raise InvalidInput("account names no account of the last settings pull")
    return [
        rate
        for rate in catalog.tax_rates.values()
        if (status is None or rate.status == status.upper())
        and (can_apply_to is None or can_apply_to in rate.can_apply_to)
        and (with_account is None or rules.tax_applies_to(rate, with_account))
    ]


@dataclass(frozen=True)
class CategoryWithOptions:
    category: XeroTrackingCategory
    options: list[XeroTrackingOption]


async def list_tracking(
    session: AsyncSession, connection: Connection, *, status: str | None = None
) -> list[CategoryWithOptions]:
    catalog = await load_catalog(session, connection)
    return [
        CategoryWithOptions(category, catalog.options_of(category.tracking_category_id))
        for category in catalog.categories.values()
        if status is None or category.status == status.upper()
    ]


def pulled_at(connection: Connection) -> datetime | None:
    return connection.settings_pulled_at
