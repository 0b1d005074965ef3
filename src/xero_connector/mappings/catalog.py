"""``Catalog``: one connection's cached Xero settings, indexed for look-ups (no I/O after load)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.models import Connection
from xero_connector.db.repos.xero_settings import CachedSettings, load_settings
from xero_connector.db.settings_models import (
    XeroAccount,
    XeroTaxRate,
    XeroTrackingCategory,
    XeroTrackingOption,
)


@dataclass(frozen=True)
class Organisation:
    """What the organisation's settings say about every document (None until pulled)."""

    name: str | None
    base_currency: str | None
    timezone: str | None
    country: str | None
    default_sales_tax: str | None  # Xero's default LineAmountTypes of sales ("Tax Exclusive")
    default_purchases_tax: str | None

    @classmethod
    def of(cls, connection: Connection) -> Organisation:
        return cls(
            name=connection.tenant_name,
            base_currency=connection.base_currency,
            timezone=connection.timezone,
            country=connection.country,
            default_sales_tax=connection.default_sales_tax,
            default_purchases_tax=connection.default_purchases_tax,
        )


@dataclass
class Catalog:
    """Accounts by AccountID and by code, tax rates by TaxType, tracking by id."""

    organisation: Organisation
    accounts: dict[str, XeroAccount] = field(default_factory=dict)
    accounts_by_code: dict[str, XeroAccount] = field(default_factory=dict)
    tax_rates: dict[str, XeroTaxRate] = field(default_factory=dict)
    categories: dict[str, XeroTrackingCategory] = field(default_factory=dict)
    options: dict[str, XeroTrackingOption] = field(default_factory=dict)
    pulled: bool = False

    @classmethod
    def of(cls, connection: Connection, cached: CachedSettings) -> Catalog:
        catalog = cls(Organisation.of(connection), pulled=connection.settings_pulled_at is not None)
        for account in cached.accounts:
            catalog.accounts[account.account_id] = account
            if account.code and account.vanished_at is None:
                catalog.accounts_by_code[account.code.upper()] = account
        catalog.tax_rates = {rate.tax_type: rate for rate in cached.tax_rates}
        catalog.categories = {c.tracking_category_id: c for c in cached.categories}
        catalog.options = {o.tracking_option_id: o for o in cached.options}
        return catalog

    def account(
        self, *, account_id: str | None = None, code: str | None = None
    ) -> XeroAccount | None:
        if account_id is not None:
            return self.accounts.get(account_id.lower())
        if code is not None:
            return self.accounts_by_code.get(code.upper())
        return None

    def options_of(self, category_id: str) -> list[XeroTrackingOption]:
        return [o for o in self.options.values() if o.tracking_category_id == category_id]


async def load_catalog(session: AsyncSession, connection: Connection) -> Catalog:
    return Catalog.of(connection, await load_settings(session, connection.id))
