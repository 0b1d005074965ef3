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


async def apply_accounts(
    session: AsyncSession,
    connection_id: str,
    accounts: Sequence[AccountData],
    *,
    now: datetime,
    complete: bool,
) -> int:
    query = select(XeroAccount).where(XeroAccount.connection_id == connection_id)
    cached = {row.account_id: row for row in (await session.scalars(query)).all()}
    changed = 0
    for account in accounts:
        values = {
            "code": account.code,
            "name": account.name,
            "type": account.type,
            "account_class": account.account_class,
            "status": account.status,
            "tax_type": account.tax_type,
            "enable_payments": account.enable_payments,
            "system_account": account.system_account,
            "xero_updated_at": account.xero_updated_at,
            "vanished_at": None,
        }
        row = cached.pop(account.account_id, None)
        if row is None:
            session.add(
                XeroAccount(connection_id=connection_id, account_id=account.account_id, **values)
            )
            changed += 1
        elif _assign(row, values):
            changed += 1
    if complete:
        changed += sum(_vanish(row, now) for row in cached.values())
    await session.flush()
    return changed


async def apply_tax_rates(
    session: AsyncSession, connection_id: str, rates: Sequence[TaxRateData], *, now: datetime
) -> int:
    query = select(XeroTaxRate).where(XeroTaxRate.connection_id == connection_id)
    cached = {row.tax_type: row for row in (await session.scalars(query)).all()}
    changed = 0
    for rate in rates:
        values = {
            "name": rate.name,
            "status": rate.status,
            "effective_rate": rate.effective_rate,
            "can_apply_to": list(rate.can_apply_to),
            "vanished_at": None,
        }
        row = cached.pop(rate.tax_type, None)
        if row is None:
            session.add(XeroTaxRate(connection_id=connection_id, tax_type=rate.tax_type, **values))
            changed += 1
        elif _assign(row, values):
            changed += 1
    changed += sum(_vanish(row, now) for row in cached.values())
    await session.flush()
    return changed


async def apply_tracking(
    session: AsyncSession,
    connection_id: str,
    categories: Sequence[TrackingCategoryData],
    *,
    now: datetime,
) -> int:
    """Categories and their options; the answer must include archived ones (includeArchived)."""
    category_query = select(XeroTrackingCategory).where(
        XeroTrackingCategory.connection_id == connection_id
    )
    option_query = select(XeroTrackingOption).where(
        XeroTrackingOption.connection_id == connection_id
    )
    cached = {c.tracking_category_id: c for c in (await session.scalars(category_query)).all()}
    cached_options = {o.tracking_option_id: o for o in (await session.scalars(option_query)).all()}
    changed = 0
    for category in categories:
        values: dict[str, Any] = {
            "name": category.name,
            "status": category.status,
            "vanished_at": None,
        }
        row = cached.pop(category.category_id, None)
        if row is None:
            session.add(
                XeroTrackingCategory(
                    connection_id=connection_id,
                    tracking_category_id=category.category_id,
                    **values,
                )
            )
            changed += 1
        elif _assign(row, values):
            changed += 1
        for option in category.options:
            option_values = {
                "tracking_category_id": category.category_id,
                "name": option.name,
                "status": option.status,
                "vanished_at": None,
            }
            option_row = cached_options.pop(option.option_id, None)
            if option_row is None:
                session.add(
                    XeroTrackingOption(
                        connection_id=connection_id,
                        tracking_option_id=option.option_id,
                        **option_values,
                    )
                )
                changed += 1
            elif _assign(option_row, option_values):
                changed += 1
    changed += sum(_vanish(row, now) for row in cached.values())
    changed += sum(_vanish(row, now) for row in cached_options.values())
    await session.flush()
    return changed
