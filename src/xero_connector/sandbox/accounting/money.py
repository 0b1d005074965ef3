"""Money arithmetic: Decimal from the JSON number in, per-line tax rounded to cents, totals.

JSON numbers arrive as floats (orjson); ``Decimal(repr(x))`` turns them into the exact decimal the
client wrote (the shortest round-tripping form), so no binary noise enters the ledger.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
UNIT_4DP = Decimal("0.0001")
ZERO = Decimal("0.00")
ONE = Decimal(1)
HUNDRED = Decimal(100)

EXCLUSIVE = "Exclusive"
INCLUSIVE = "Inclusive"
NO_TAX = "NoTax"
LINE_AMOUNT_TYPES = frozenset({EXCLUSIVE, INCLUSIVE, NO_TAX})


def to_decimal(value: object) -> Decimal | None:
    """A Decimal from a JSON number (or numeric string, or Decimal); None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            result = Decimal(value)
        except InvalidOperation:
            return None
        return result if result.is_finite() else None
    return None


def cents(value: Decimal) -> Decimal:
    """Rounded half-up to 2 dp, as Xero rounds line amounts and tax."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def unit_amount(value: Decimal, unit_dp: int) -> Decimal:
    """A unit amount at 2 dp, or 4 dp when the request says ``unitdp=4``."""
    return value.quantize(UNIT_4DP if unit_dp == 4 else CENT, rounding=ROUND_HALF_UP)


def line_tax(line_amount: Decimal, rate: Decimal, line_amount_types: str) -> Decimal:
    """Tax of one line from its tax rate in percent, rounded to cents."""
    if line_amount_types == NO_TAX or not rate:
        return ZERO
    if line_amount_types == INCLUSIVE:
        return cents(line_amount * rate / (HUNDRED + rate))
    return cents(line_amount * rate / HUNDRED)


def totals(
    line_amounts: list[Decimal], taxes: list[Decimal], line_amount_types: str
) -> tuple[Decimal, Decimal, Decimal]:
    """(SubTotal, TotalTax, Total) of a document's lines."""
    amount = sum(line_amounts, ZERO)
    tax = sum(taxes, ZERO)
    if line_amount_types == INCLUSIVE:
        return amount - tax, tax, amount
    return amount, tax, amount + tax
