"""Mapping targets: from what a caller sends to what is stored, and back to the cached object.

A caller names an account by ``{account_id}`` or ``{code}``, a tax rate by ``{tax_type}``, a
tracking option by ``{tracking_category_id, tracking_option_id}``. What is stored is the Xero id
form (``{account_id}``, ...) plus a snapshot of what the target looked like then (type, class,
tax applicability, names) that drift compares against.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from xero_connector.db.settings_models import XeroAccount, XeroTaxRate, XeroTrackingOption
from xero_connector.mappings import rules
from xero_connector.mappings.catalog import Catalog

KINDS = ("account", "tax", "bank_account", "tracking")
_FIELDS = {
    "account": ({"account_id"}, {"code"}),
    "bank_account": ({"account_id"}, {"code"}),
    "tax": ({"tax_type"},),
    "tracking": ({"tracking_category_id", "tracking_option_id"},),
}


@dataclass(frozen=True)
class Target:
    """A target found in the cache: its stored form, snapshot and label, and the cached row."""

    kind: str
    stored: dict[str, str]
    snapshot: dict[str, Any]
    label: str
    row: XeroAccount | XeroTaxRate | XeroTrackingOption


class TargetError(Exception):
    """Why a target cannot be used; the message is the human reason."""


def _shape(kind: str, target: Mapping[str, Any]) -> dict[str, str]:
    allowed = _FIELDS.get(kind)
    if allowed is None:
        raise TargetError(f"unknown kind {kind!r}: one of {', '.join(KINDS)}")
    keys = set(target)
    if keys not in allowed or not all(isinstance(target[k], str) and target[k] for k in keys):
        forms = " or ".join("{" + ", ".join(sorted(f)) + "}" for f in allowed)
        raise TargetError(f"{kind} targets are {forms} with non-empty strings")
    return {key: str(target[key]) for key in keys}


def _account(kind: str, fields: dict[str, str], catalog: Catalog) -> XeroAccount:
    account = catalog.account(account_id=fields.get("account_id"), code=fields.get("code"))
    if account is None:
        named = f"code {fields['code']}" if "code" in fields else f"id {fields['account_id']}"
        raise TargetError(f"no account with {named} in the last settings pull")
    check = rules.bank_account_problem if kind == "bank_account" else rules.line_account_problem
    if problem := check(account):
        raise TargetError(problem)
    return account


def find_target(kind: str, target: Mapping[str, Any], catalog: Catalog) -> Target:
    """The usable target ``target`` names, or ``TargetError`` with the reason."""
    fields = _shape(kind, target)
    if kind in ("account", "bank_account"):
        account = _account(kind, fields, catalog)
        return _account_target(kind, account)
    if kind == "tax":
        rate = catalog.tax_rates.get(fields["tax_type"].upper())  # Xero's are upper case
        if rate is None:
            raise TargetError(f"no tax rate {fields['tax_type']} in the last settings pull")
        if problem := rules.tax_rate_problem(rate):
            raise TargetError(problem)
        return _tax_target(rate)
    category = catalog.categories.get(fields["tracking_category_id"].lower())
    if category is None:
        raise TargetError(
            f"no tracking category {fields['tracking_category_id']} in the last settings pull"
        )
    option = catalog.options.get(fields["tracking_option_id"].lower())
    if option is None:
        raise TargetError(
            f"no tracking option {fields['tracking_option_id']} in the last settings pull"
        )
    if problem := rules.tracking_problem(category, option):
        raise TargetError(problem)
    return _tracking_target(catalog, option)


def _account_target(kind: str, account: XeroAccount) -> Target:
    snapshot = {
        "code": account.code,
        "name": account.name,
        "type": account.type,
        "class": account.account_class,
    }
    label = rules.account_label(account)
    return Target(kind, {"account_id": account.account_id}, snapshot, label, account)


def _tax_target(rate: XeroTaxRate) -> Target:
    snapshot = {"name": rate.name, "can_apply_to": list(rate.can_apply_to)}
    label = f"{rate.name} ({rate.tax_type})"
    return Target("tax", {"tax_type": rate.tax_type}, snapshot, label, rate)


def _tracking_target(catalog: Catalog, option: XeroTrackingOption) -> Target:
    category = catalog.categories[option.tracking_category_id]
    stored = {
        "tracking_category_id": category.tracking_category_id,
        "tracking_option_id": option.tracking_option_id,
    }
    snapshot = {"category_name": category.name, "option_name": option.name}
    return Target("tracking", stored, snapshot, f"{category.name}: {option.name}", option)


def stored_label(kind: str, target: Mapping[str, Any], catalog: Catalog) -> str:
    """A label for a stored target whatever its state now (the cached names when known)."""
    if kind in ("account", "bank_account"):
        account = catalog.account(account_id=str(target.get("account_id", "")))
        return rules.account_label(account) if account else str(target.get("account_id"))
    if kind == "tax":
        rate = catalog.tax_rates.get(str(target.get("tax_type")))
        return f"{rate.name} ({rate.tax_type})" if rate else str(target.get("tax_type"))
    option = catalog.options.get(str(target.get("tracking_option_id")))
    category = catalog.categories.get(str(target.get("tracking_category_id")))
    if option is not None and category is not None:
        return f"{category.name}: {option.name}"
    return str(target.get("tracking_option_id"))


def parse_tracking_key(source_key: str) -> tuple[str, str] | None:
    """``<dimension>:<value>`` split at the first colon; None unless both parts are non-empty."""
    dimension, colon, value = source_key.partition(":")
    if not colon or not dimension.strip() or not value.strip():
        return None
    return dimension, value
