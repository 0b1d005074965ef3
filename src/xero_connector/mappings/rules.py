"""What Xero allows, as questions with a human answer: None when fine, else the reason.

- A line (invoice or bank transaction) may post to an ACTIVE account that is not a BANK account
  and not a system account (Accounts Receivable, GST, Rounding, ...), whether the document is a
  sale or a purchase.
- A bank transaction's money account is an ACTIVE account of type BANK.
- A tax type must be ACTIVE, and can be used on a line only when its ``CanApplyTo*`` flag for
  the class of the line's account is set.
- A tracking option must be ACTIVE and belong to an ACTIVE tracking category.
"""

from __future__ import annotations

from collections.abc import Iterable

from xero_connector.db.settings_models import (
    XeroAccount,
    XeroTaxRate,
    XeroTrackingCategory,
    XeroTrackingOption,
)
from xero_connector.mappings.settings_data import CLASS_WORDS

ACTIVE = "ACTIVE"


def account_label(account: XeroAccount) -> str:
    """``200 Sales`` (or the name alone for an account without a code)."""
    return f"{account.code} {account.name}" if account.code else account.name


def _gone(what: str, status: str, vanished: bool) -> str | None:
    if vanished:
        return f"{what} is no longer in Xero"
    if status == ACTIVE:
        return None
    return f"{what} is {status.lower()} in Xero"


def account_status_problem(account: XeroAccount) -> str | None:
    return _gone(
        f"account {account_label(account)}", account.status, account.vanished_at is not None
    )


def line_account_problem(account: XeroAccount) -> str | None:
    """Why a line may not post to ``account`` (None: it may)."""
    if problem := account_status_problem(account):
        return problem
    if account.type == "BANK":
        return f"account {account_label(account)} is a BANK account, which lines cannot post to"
    if account.system_account:
        return (
            f"account {account_label(account)} is the {account.system_account} system account, "
            "which lines cannot post to"
        )
    return None


def bank_account_problem(account: XeroAccount) -> str | None:
    """Why ``account`` cannot be a bank transaction's money account (None: it can)."""
    if problem := account_status_problem(account):
        return problem
    if account.type != "BANK":
        return f"account {account_label(account)} is of type {account.type}, not a BANK account"
    return None


def usable_on_lines(account: XeroAccount) -> bool:
    return line_account_problem(account) is None


def usable_for_bank(account: XeroAccount) -> bool:
    return bank_account_problem(account) is None


def tax_rate_problem(rate: XeroTaxRate) -> str | None:
    return _gone(
        f"tax rate {rate.tax_type} ({rate.name})", rate.status, rate.vanished_at is not None
    )


def class_word(account_class: str | None) -> str | None:
    """The ``can_apply_to`` word of an account class (``REVENUE`` -> ``revenue``)."""
    return CLASS_WORDS.get(account_class or "")


def tax_applies_to(rate: XeroTaxRate, account: XeroAccount) -> bool:
    word = class_word(account.account_class)
    return word is not None and word in rate.can_apply_to


def tax_with_account_problem(rate: XeroTaxRate, account: XeroAccount) -> str | None:
    """Why ``rate`` cannot be used on a line posting to ``account`` (None: it can)."""
    if tax_applies_to(rate, account):
        return None
    return (
        f"tax rate {rate.tax_type} ({rate.name}) cannot apply to account {account_label(account)} "
        f"of class {account.account_class or 'unknown'}"
    )


def tax_beside_accounts_problem(rate: XeroTaxRate, accounts: Iterable[XeroAccount]) -> str | None:
    """Why ``rate`` suits none of the classes of the accounts mapped beside it (None: one fits).

    Without any account mapped there is nothing to check against yet.
    """
    classes = sorted({a.account_class for a in accounts if a.account_class})
    if not classes or any(class_word(cls) in rate.can_apply_to for cls in classes):
        return None
    return (
        f"tax rate {rate.tax_type} ({rate.name}) can apply to "
        f"{', '.join(rate.can_apply_to) or 'no account class'}, none of the classes of the "
        f"mapped accounts ({', '.join(cls.lower() for cls in classes)})"
    )


def tracking_problem(category: XeroTrackingCategory, option: XeroTrackingOption) -> str | None:
    """Why ``option`` of ``category`` cannot be used on a line (None: it can)."""
    if option.tracking_category_id != category.tracking_category_id:
        return f"tracking option {option.name} does not belong to tracking category {category.name}"
    what = f"tracking category {category.name}"
    if problem := _gone(what, category.status, category.vanished_at is not None):
        return problem
    return _gone(
        f"tracking option {option.name} of {category.name}",
        option.status,
        option.vanished_at is not None,
    )
