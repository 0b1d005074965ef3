"""Line items, shared by invoices and bank transactions: account, tax type, tracking, amounts.

Each line's ``LineAmount`` is ``Quantity x UnitAmount`` (less ``DiscountRate``) rounded to cents;
its tax comes from the tax rate and the document's ``LineAmountTypes``, rounded per line. A supplied
``TaxAmount`` overrides the computed one (Xero allows it) and earns a warning when they differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from xero_connector.sandbox.accounting.context import WriteContext
from xero_connector.sandbox.accounting.ledger import LOCKED_SYSTEM_ACCOUNTS, Account, Body, Ledger
from xero_connector.sandbox.accounting.money import (
    HUNDRED,
    cents,
    line_tax,
    to_decimal,
    unit_amount,
)

MAX_TRACKING = 2


@dataclass(slots=True)
class Lines:
    """Validated lines with their amounts."""

    lines: list[Body] = field(default_factory=list)
    amounts: list[Decimal] = field(default_factory=list)
    taxes: list[Decimal] = field(default_factory=list)


def resolve_account(ledger: Ledger, code: object, account_id: object) -> Account | None:
    if isinstance(account_id, str) and account_id:
        return ledger.accounts_by_id.get(account_id.lower())
    if isinstance(code, str):
        return ledger.accounts.get(code)
    return None


def account_errors(account: Account | None, code: object) -> list[str]:
    """Why a line item may not post to this account (empty when it may)."""
    if (
        account is None
        or account.type == "BANK"
        or account.system_account in LOCKED_SYSTEM_ACCOUNTS
    ):
        return [f"Account code '{code}' is not a valid code for this document."]
    if account.status != "ACTIVE":
        return [
            f"Account code '{account.code}' has been archived, or deleted. Each line item must "
            "reference a valid account."
        ]
    return []


def _tax_type(ledger: Ledger, line: Body, account: Account | None, errors: list[str]) -> str | None:
    tax_type = line.get("TaxType")
    if tax_type is None or tax_type == "":
        return account.tax_type if account else None
    rate = ledger.tax_rates.get(tax_type) if isinstance(tax_type, str) else None
    if rate is None or rate.status != "ACTIVE":
        errors.append(
            f"The TaxType code '{tax_type}' does not exist or cannot be used for this type of "
            "transaction."
        )
        return None
    if account is not None and account.account_class not in rate.applies_to:
        errors.append(
            f"The TaxType code '{tax_type}' cannot be used with account code '{account.code}'."
        )
        return None
    return str(tax_type)


def _tracking(ledger: Ledger, raw: object, errors: list[str]) -> list[Body]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        errors.append("Tracking must be a list of tracking categories.")
        return []
    if len(raw) > MAX_TRACKING:
        errors.append(f"A line item can have at most {MAX_TRACKING} tracking categories.")
        return []
    result: list[Body] = []
    seen: set[str] = set()
    for entry in raw:
        entry = entry if isinstance(entry, dict) else {}
        by_id = entry.get("TrackingCategoryID")
        name = entry.get("Name")
        category = (
            ledger.tracking_by_id.get(str(by_id).lower())
            if by_id
            else ledger.tracking.get(str(name).lower())
        )
        if category is None or category.status != "ACTIVE":
            errors.append(
                f"The tracking category '{name or by_id}' does not exist or is not active."
            )
            continue
        if category.category_id in seen:
            errors.append(
                f"The tracking category '{category.name}' is used twice on one line item."
            )
            continue
        seen.add(category.category_id)
        option_id, option_name = entry.get("TrackingOptionID"), entry.get("Option")
        option = None
        if option_id:
            option = next((o for o in category.options.values() if o.option_id == option_id), None)
        elif isinstance(option_name, str):
            option = category.options.get(option_name.lower())
        if option is None or option.status != "ACTIVE":
            errors.append(
                f"The tracking option '{option_name or option_id}' does not exist or is not active "
                f"in tracking category '{category.name}'."
            )
            continue
        result.append(
            {
                "Name": category.name,
                "Option": option.name,
                "TrackingCategoryID": category.category_id,
                "TrackingOptionID": option.option_id,
            }
        )
    return result


def _amounts(
    ctx: WriteContext, line: Body, number: int, errors: list[str]
) -> tuple[Decimal, Decimal, Decimal] | None:
    """(Quantity, UnitAmount, LineAmount) of one line."""
    quantity = to_decimal(line.get("Quantity", 1))
    given_unit = line.get("UnitAmount")
    given_amount = to_decimal(line.get("LineAmount")) if "LineAmount" in line else None
    discount = to_decimal(line.get("DiscountRate", 0)) or Decimal(0)
    if quantity is None:
        errors.append(f"The quantity on line {number} is not a number.")
        return None
    if quantity < 0:
        errors.append(
            f"The quantity value '{quantity:.4f}' is invalid. Quantity must not be less than zero."
        )
        return None
    if given_unit is None and given_amount is not None:
        unit = unit_amount(given_amount / quantity, ctx.unit_dp) if quantity else given_amount
        return quantity, unit, cents(given_amount)
    raw_unit = to_decimal(given_unit if given_unit is not None else 0)
    if raw_unit is None:
        errors.append(f"The unit amount on line {number} is not a number.")
        return None
    unit = unit_amount(raw_unit, ctx.unit_dp)
    amount = cents(quantity * unit * (HUNDRED - discount) / HUNDRED)
    if given_amount is not None and cents(given_amount) != amount:
        errors.append(
            f"The line amount {given_amount} on line {number} does not equal quantity x unit "
            f"amount less discount ({amount})."
        )
        return None
    return quantity, unit, amount


def build_lines(
    ctx: WriteContext,
    raw_lines: list[Any],
    line_amount_types: str,
    *,
    require_account: bool,
    errors: list[str],
    warnings: list[str],
) -> Lines:
    """Validate and compute every line; errors and warnings are appended to the given lists."""
    ledger = ctx.ledger
    out = Lines()
    for number, line in enumerate(raw_lines, start=1):
        if not isinstance(line, dict):
            errors.append(f"Line item {number} is not an object.")
            continue
        description = line.get("Description")
        code, account_id = line.get("AccountCode"), line.get("AccountID")
        account = resolve_account(ledger, code, account_id)
        if code is not None or account_id is not None:
            errors.extend(account_errors(account, code if code is not None else account_id))
        elif require_account:
            errors.append("Account code must be specified for each line item.")
        if not description and not line.get("ItemCode"):
            errors.append("The description field is mandatory for each line item.")
        tax_type = _tax_type(ledger, line, account, errors)
        tracking = _tracking(ledger, line.get("Tracking"), errors)
        amounts = _amounts(ctx, line, number, errors)
        if errors or amounts is None:
            continue
        quantity, unit, amount = amounts
        rate = ledger.tax_rates[tax_type].rate if tax_type else Decimal(0)
        tax = line_tax(amount, rate, line_amount_types)
        given_tax = to_decimal(line.get("TaxAmount")) if "TaxAmount" in line else None
        if given_tax is not None and cents(given_tax) != tax:
            warnings.append(
                f"The tax amount on line {number} was overridden to {cents(given_tax)}."
            )
            tax = cents(given_tax)
        body: Body = {
            "LineItemID": str(line.get("LineItemID") or ctx.new_id()),
            "Description": description or "",
            "Quantity": quantity,
            "UnitAmount": unit,
            "TaxType": tax_type or "NONE",
            "TaxAmount": tax,
            "LineAmount": amount,
            "Tracking": tracking,
        }
        if account is not None:
            body["AccountCode"] = account.code
            body["AccountID"] = account.account_id
        if discount := line.get("DiscountRate"):
            body["DiscountRate"] = to_decimal(discount)
        if item_code := line.get("ItemCode"):
            body["ItemCode"] = item_code
        out.lines.append(body)
        out.amounts.append(amount)
        out.taxes.append(tax)
    return out
