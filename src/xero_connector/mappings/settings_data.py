"""Xero's settings answers parsed into plain values (``Organisation``, ``Accounts``, ``TaxRates``,
``TrackingCategories``). Unknown or missing fields become None; nothing here does I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from xero_connector.xero.values import parse_datetime

# Xero's CanApplyTo* flags, the word the API uses for each, and the account Class it allows.
APPLY_FLAGS: dict[str, str] = {
    "CanApplyToRevenue": "revenue",
    "CanApplyToExpenses": "expenses",
    "CanApplyToAssets": "assets",
    "CanApplyToLiabilities": "liabilities",
    "CanApplyToEquity": "equity",
}
CLASS_WORDS: dict[str, str] = {
    "REVENUE": "revenue",
    "EXPENSE": "expenses",
    "ASSET": "assets",
    "LIABILITY": "liabilities",
    "EQUITY": "equity",
}


@dataclass(frozen=True, slots=True)
class OrganisationData:
    name: str | None
    timezone: str | None
    base_currency: str | None
    country: str | None
    default_sales_tax: str | None
    default_purchases_tax: str | None


@dataclass(frozen=True, slots=True)
class AccountData:
    account_id: str
    code: str | None
    name: str
    type: str
    account_class: str | None
    status: str
    tax_type: str | None
    enable_payments: bool
    system_account: str | None
    xero_updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class TaxRateData:
    tax_type: str
    name: str
    status: str
    effective_rate: str | None
    can_apply_to: tuple[str, ...]  # APPLY_FLAGS words, in that order


@dataclass(frozen=True, slots=True)
class TrackingOptionData:
    option_id: str
    name: str
    status: str


@dataclass(frozen=True, slots=True)
class TrackingCategoryData:
    category_id: str
    name: str
    status: str
    options: tuple[TrackingOptionData, ...]


def xero_datetime(value: object) -> datetime | None:
    """``/Date(1439434356790+0000)/`` (or an ISO 8601 string) in UTC; None when unreadable."""
    try:
        moment = parse_datetime(value)
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment is not None else None


def _text(body: Mapping[str, Any], key: str) -> str | None:
    value = body.get(key)
    return str(value) if value not in (None, "") else None


def _rate(value: object) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return str(Decimal(str(value)).quantize(Decimal("0.0001")))
    except (InvalidOperation, ValueError):
        return None


def parse_organisation(body: Mapping[str, Any]) -> OrganisationData:
    return OrganisationData(
        name=_text(body, "Name"),
        timezone=_text(body, "Timezone"),
        base_currency=_text(body, "BaseCurrency"),
        country=_text(body, "CountryCode"),
        default_sales_tax=_text(body, "DefaultSalesTax"),
        default_purchases_tax=_text(body, "DefaultPurchasesTax"),
    )


def parse_account(body: Mapping[str, Any]) -> AccountData | None:
    account_id, name, type_ = _text(body, "AccountID"), _text(body, "Name"), _text(body, "Type")
    if account_id is None or name is None or type_ is None:
        return None
    return AccountData(
        account_id=account_id.lower(),
        code=_text(body, "Code"),
        name=name,
        type=type_,
        account_class=_text(body, "Class"),
        status=_text(body, "Status") or "ACTIVE",
        tax_type=_text(body, "TaxType"),
        enable_payments=bool(body.get("EnablePaymentsToAccount")),
        system_account=_text(body, "SystemAccount"),
        xero_updated_at=xero_datetime(body.get("UpdatedDateUTC")),
    )


def parse_tax_rate(body: Mapping[str, Any]) -> TaxRateData | None:
    tax_type, name = _text(body, "TaxType"), _text(body, "Name")
    if tax_type is None or name is None:
        return None
    return TaxRateData(
        tax_type=tax_type,
        name=name,
        status=_text(body, "Status") or "ACTIVE",
        effective_rate=_rate(body.get("EffectiveRate")),
        can_apply_to=tuple(word for flag, word in APPLY_FLAGS.items() if body.get(flag) is True),
    )


def parse_tracking_category(body: Mapping[str, Any]) -> TrackingCategoryData | None:
    category_id, name = _text(body, "TrackingCategoryID"), _text(body, "Name")
    if category_id is None or name is None:
        return None
    options = []
    for option in body.get("Options") or []:
        option_id, option_name = _text(option, "TrackingOptionID"), _text(option, "Name")
        if option_id is not None and option_name is not None:
            status = _text(option, "Status") or "ACTIVE"
            options.append(TrackingOptionData(option_id.lower(), option_name, status))
    return TrackingCategoryData(
        category_id=category_id.lower(),
        name=name,
        status=_text(body, "Status") or "ACTIVE",
        options=tuple(options),
    )


def answer_time(body: Mapping[str, Any] | None, fallback: datetime) -> datetime:
    """Xero's own time of an answer (``DateTimeUTC``), else ``fallback`` less a minute of skew."""
    when = xero_datetime(body.get("DateTimeUTC")) if body is not None else None
    return when if when is not None else fallback - timedelta(minutes=1)
