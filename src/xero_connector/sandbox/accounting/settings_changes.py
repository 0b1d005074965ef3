"""Changes to an organisation's settings made "inside Xero" while a client runs (drift tests).

Archive, delete or restore an account (by code or AccountID; a new name too), a tax rate (by
TaxType), a tracking category (by name or id) or one of its options. Each change stamps the
object's ``updated_ms`` with sandbox time, and an account's ``UpdatedDateUTC`` with it, so a
``GET /Accounts`` with ``If-Modified-Since`` finds exactly what changed. A DELETED object stays
listed with that status and can no longer change (Xero refuses to restore a deleted one).
Unknown objects raise ``LookupError``, forbidden changes ``ValueError``.
"""

from __future__ import annotations

from typing import Any

from xero_connector.sandbox.accounting.ledger import Body, Ledger, TrackingCategory
from xero_connector.sandbox.accounting.msdates import ms_timestamp

ACCOUNT_STATUSES = frozenset({"ACTIVE", "ARCHIVED", "DELETED"})
TAX_RATE_STATUSES = frozenset({"ACTIVE", "ARCHIVED", "DELETED"})
TRACKING_STATUSES = frozenset({"ACTIVE", "ARCHIVED", "DELETED"})


def _check(kind: str, current: str, wanted: str, allowed: frozenset[str]) -> None:
    if wanted not in allowed:
        raise ValueError(f"{kind} status must be one of {', '.join(sorted(allowed))}")
    if current == "DELETED" and wanted != "DELETED":
        raise ValueError(f"a deleted {kind} cannot change any more")


def change_account(
    ledger: Ledger,
    key: str,
    now_ms: int,
    *,
    status: str | None,
    name: str | None,
    dry_run: bool = False,
) -> Body:
    account = ledger.accounts.get(key) or ledger.accounts_by_id.get(key.lower())
    if account is None:
        raise LookupError(f"no account with code or AccountID {key!r}")
    if status is not None:
        _check("account", account.status, status, ACCOUNT_STATUSES)
    if name is not None and account.status == "DELETED":
        raise ValueError("a deleted account cannot change any more")
    if dry_run:
        return account.body
    if status is not None:
        account.status = account.body["Status"] = status
    if name is not None:
        account.name = account.body["Name"] = name
    account.updated_ms = now_ms
    account.body["UpdatedDateUTC"] = ms_timestamp(now_ms)
    return account.body


def change_tax_rate(
    ledger: Ledger, tax_type: str, now_ms: int, *, status: str, dry_run: bool = False
) -> Body:
    rate = ledger.tax_rates.get(tax_type.upper())
    if rate is None:
        raise LookupError(f"no tax rate with TaxType {tax_type!r}")
    _check("tax rate", rate.status, status, TAX_RATE_STATUSES)
    if dry_run:
        return rate.body
    rate.status = rate.body["Status"] = status
    rate.updated_ms = now_ms
    return rate.body


def _category(ledger: Ledger, key: str) -> TrackingCategory:
    category = ledger.tracking.get(key.lower()) or ledger.tracking_by_id.get(key.lower())
    if category is None:
        raise LookupError(f"no tracking category named {key!r}")
    return category


def change_tracking(
    ledger: Ledger,
    category_key: str,
    option_name: str | None,
    now_ms: int,
    *,
    status: str,
    dry_run: bool = False,
) -> Body:
    """Change a category's status, or (``option_name`` given) one option's."""
    category = _category(ledger, category_key)
    if option_name is None:
        _check("tracking category", category.status, status, TRACKING_STATUSES)
        if dry_run:
            return category.body
        category.status = category.body["Status"] = status
    else:
        option = category.options.get(option_name.lower())
        if option is None:
            raise LookupError(f"tracking category {category.name!r} has no option {option_name!r}")
        _check("tracking option", option.status, status, TRACKING_STATUSES)
        if dry_run:
            return category.body
        option.status = status
        for entry in category.body["Options"]:
            if entry["TrackingOptionID"] == option.option_id:
                entry["Status"] = status
    category.updated_ms = now_ms
    return category.body


def apply_change(
    ledger: Ledger, change: dict[str, Any], now_ms: int, *, dry_run: bool = False
) -> Body:
    """One change as ``/_sandbox/settings`` takes it (exactly one of account, tax_rate,
    tracking_category; ``option`` only with a tracking category). ``dry_run`` only checks it."""
    if change.get("account") is not None:
        return change_account(
            ledger,
            change["account"],
            now_ms,
            status=change.get("status"),
            name=change.get("name"),
            dry_run=dry_run,
        )
    status = change.get("status")
    if status is None:
        raise ValueError("status is required")
    if change.get("tax_rate") is not None:
        return change_tax_rate(ledger, change["tax_rate"], now_ms, status=status, dry_run=dry_run)
    return change_tracking(
        ledger,
        change["tracking_category"],
        change.get("option"),
        now_ms,
        status=status,
        dry_run=dry_run,
    )
