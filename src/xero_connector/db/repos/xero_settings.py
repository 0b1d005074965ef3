"""SQL of the settings cache: ``xero_accounts``, ``xero_tax_rates``, ``xero_tracking_*``.

``apply_*`` upsert what a pull read and write only rows whose content changed. With
``complete=True`` (the answer listed everything) a cached row Xero no longer lists is kept,
marked ``DELETED`` with ``vanished_at``: a mapping that points at it must read as drifted, not
dangle. Each returns how many rows it changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.settings_models import (
    XeroAccount,
    XeroTaxRate,
    XeroTrackingCategory,
    XeroTrackingOption,
)
from xero_connector.mappings.settings_data import AccountData, TaxRateData, TrackingCategoryData

VANISHED = "DELETED"


@dataclass(frozen=True)
class CachedSettings:
    """Every cached settings row of one connection."""

    accounts: Sequence[XeroAccount]
    tax_rates: Sequence[XeroTaxRate]
    categories: Sequence[XeroTrackingCategory]
    options: Sequence[XeroTrackingOption]


async def load_settings(session: AsyncSession, connection_id: str) -> CachedSettings:
    async def rows(model: Any, *order: Any) -> Sequence[Any]:
        query = select(model).where(model.connection_id == connection_id).order_by(*order)
        return (await session.scalars(query)).all()

    return CachedSettings(
        accounts=await rows(XeroAccount, XeroAccount.code, XeroAccount.name),
        tax_rates=await rows(XeroTaxRate, XeroTaxRate.name),
        categories=await rows(XeroTrackingCategory, XeroTrackingCategory.name),
        options=await rows(XeroTrackingOption, XeroTrackingOption.name),
    )


def _assign(row: Any, values: dict[str, Any]) -> bool:
    """Set the differing ``values`` on ``row``; True when anything differed."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _vanish(row: Any, now: datetime) -> bool:
    if row.vanished_at is not None:
        return False
    row.status = VANISHED
    row.vanished_at = now
    return True


class _Upsert:
    """The cached rows of one table and connection, keyed by Xero's id; ``put`` writes one row
    only when its content differs, ``vanish_rest`` marks what was not put as gone."""

    def __init__(self, session: AsyncSession, model: Any, key: str, rows: Sequence[Any]) -> None:
        self.session, self.model, self.key = session, model, key
        self.cached = {getattr(row, key): row for row in rows}
        self.changed = 0

    @classmethod
    async def load(cls, session: AsyncSession, model: Any, key: str, connection_id: str) -> _Upsert:
        query = select(model).where(model.connection_id == connection_id)
        return cls(session, model, key, (await session.scalars(query)).all())

    def put(self, connection_id: str, key: str, values: dict[str, Any]) -> None:
        values = {**values, "vanished_at": None}
        row = self.cached.pop(key, None)
        if row is None:
            self.session.add(self.model(connection_id=connection_id, **{self.key: key}, **values))
            self.changed += 1
        elif _assign(row, values):
            self.changed += 1

    def vanish_rest(self, now: datetime) -> None:
        self.changed += sum(_vanish(row, now) for row in self.cached.values())


async def apply_accounts(
    session: AsyncSession,
    connection_id: str,
    accounts: Sequence[AccountData],
    *,
    now: datetime,
    complete: bool,
) -> int:
    rows = await _Upsert.load(session, XeroAccount, "account_id", connection_id)
    for account in accounts:
        rows.put(
            connection_id,
            account.account_id,
            {
                "code": account.code,
                "name": account.name,
                "type": account.type,
                "account_class": account.account_class,
                "status": account.status,
                "tax_type": account.tax_type,
                "enable_payments": account.enable_payments,
                "system_account": account.system_account,
                "xero_updated_at": account.xero_updated_at,
            },
        )
    if complete:
        rows.vanish_rest(now)
    await session.flush()
    return rows.changed


async def apply_tax_rates(
    session: AsyncSession, connection_id: str, rates: Sequence[TaxRateData], *, now: datetime
) -> int:
    rows = await _Upsert.load(session, XeroTaxRate, "tax_type", connection_id)
    for rate in rates:
        rows.put(
            connection_id,
            rate.tax_type,
            {
                "name": rate.name,
                "status": rate.status,
                "effective_rate": rate.effective_rate,
                "can_apply_to": list(rate.can_apply_to),
            },
        )
    rows.vanish_rest(now)
    await session.flush()
    return rows.changed


async def apply_tracking(
    session: AsyncSession,
    connection_id: str,
    categories: Sequence[TrackingCategoryData],
    *,
    now: datetime,
) -> int:
    """Categories and their options; the answer must include archived ones (includeArchived)."""
    category_rows = await _Upsert.load(
        session, XeroTrackingCategory, "tracking_category_id", connection_id
    )
    option_rows = await _Upsert.load(
        session, XeroTrackingOption, "tracking_option_id", connection_id
    )
    for category in categories:
        values = {"name": category.name, "status": category.status}
        category_rows.put(connection_id, category.category_id, values)
        for option in category.options:
            option_values = {
                "tracking_category_id": category.category_id,
                "name": option.name,
                "status": option.status,
            }
            option_rows.put(connection_id, option.option_id, option_values)
    category_rows.vanish_rest(now)
    option_rows.vanish_rest(now)
    await session.flush()
    return category_rows.changed + option_rows.changed
