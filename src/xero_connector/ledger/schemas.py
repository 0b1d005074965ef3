"""The platform-neutral record schemas ingestion accepts (ARCHITECTURE.md, "Records").

Amounts are accepted as JSON strings or numbers and kept as ``Decimal``; they leave (in the stored
payload) as canonical decimal strings, so ``"10.50"``, ``10.5`` and ``"10.500"`` are the same
content. Dates are ``YYYY-MM-DD``. Unknown fields are refused, so a typo is an error, not a silently
dropped value.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    field_validator,
    model_validator,
)

MAX_LINES = 100
MAX_TRACKING = 2
AMOUNT_LIMIT = Decimal(10) ** 12


def canonical_decimal(value: Decimal) -> str:
    """``Decimal`` as the shortest plain string of its value: 10.50 -> "10.5", 1E+2 -> "100"."""
    if value == 0:
        return "0"
    return format(value.normalize(), "f")


Text255 = Annotated[str, StringConstraints(min_length=1, max_length=255)]
Key255 = Annotated[str, StringConstraints(min_length=1, max_length=255)]
Amount = Annotated[
    Decimal,
    Field(allow_inf_nan=False, gt=-AMOUNT_LIMIT, lt=AMOUNT_LIMIT),
    PlainSerializer(canonical_decimal, return_type=str),
]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
AmountsAre = Literal["exclusive", "inclusive", "no_tax"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Address(_Strict):
    line1: str | None = Field(None, max_length=500)
    line2: str | None = Field(None, max_length=500)
    city: str | None = Field(None, max_length=255)
    region: str | None = Field(None, max_length=255)
    postal_code: str | None = Field(None, max_length=50)
    country: str | None = Field(None, max_length=50)


class ContactIn(_Strict):
    """A customer or supplier; becomes a Xero Contact."""

    external_id: Key255
    name: Text255
    email: str | None = Field(None, max_length=255)
    first_name: str | None = Field(None, max_length=255)
    last_name: str | None = Field(None, max_length=255)
    tax_number: str | None = Field(None, max_length=50)
    phone: str | None = Field(None, max_length=50)
    address: Address | None = None
    archived: bool = False


class LineIn(_Strict):
    """One line of an invoice or bank transaction; ``category``, ``tax_code`` and ``tracking``
    are the platform's own keys, turned into Xero's through the connection's mappings."""

    description: str | None = Field(None, max_length=4000)
    quantity: Amount = Decimal(1)
    unit_amount: Amount
    category: Key255
    tax_code: Key255 | None = None
    tracking: dict[str, str] = Field(
        default_factory=dict,
        description="At most 2 dimensions: {dimension: value}; a dimension has no ':'.",
    )

    @field_validator("tracking")
    @classmethod
    def _tracking(cls, value: dict[str, str]) -> dict[str, str]:
        if len(value) > MAX_TRACKING:
            raise ValueError(f"at most {MAX_TRACKING} tracking dimensions")
        for dimension, option in value.items():
            if not dimension or ":" in dimension or len(dimension) > 100:
                raise ValueError("a tracking dimension is 1-100 characters without ':'")
            if not option or len(option) > 100:
                raise ValueError("a tracking value is 1-100 characters")
        return value


Lines = Annotated[list[LineIn], Field(min_length=1, max_length=MAX_LINES)]


class _Document(_Strict):
    contact_external_id: Key255
    reference: str | None = Field(None, max_length=200)
    currency: Currency | None = None
    amounts_are: AmountsAre = "exclusive"
    lines: Lines

    @model_validator(mode="after")
    def _tax_codes(self) -> _Document:
        if self.amounts_are != "no_tax":
            for line in self.lines:
                if line.tax_code is None:
                    raise ValueError("every line needs a tax_code unless amounts_are is no_tax")
        return self


class InvoiceIn(_Document):
    """A sales invoice (Xero ACCREC) or a purchase bill (ACCPAY)."""

    external_id: Key255
    type: Literal["sales", "purchase"]
    number: str | None = Field(
        None, min_length=1, max_length=255, description="A sales invoice's number in Xero."
    )
    issue_date: dt.date
    due_date: dt.date | None = None
    status: Literal["draft", "submitted", "authorised", "void"] = "authorised"

    @model_validator(mode="after")
    def _due_date(self) -> InvoiceIn:
        if self.status in ("submitted", "authorised") and self.due_date is None:
            raise ValueError(f"due_date is required when status is {self.status}")
        if self.due_date is not None and self.due_date < self.issue_date:
            raise ValueError("due_date is before issue_date")
        return self


class BankTransactionIn(_Document):
    """Money received into (``receive``) or spent from (``spend``) a bank account."""

    external_id: Key255
    type: Literal["receive", "spend"]
    money_account: Key255
    date: dt.date
    status: Literal["authorised", "void"] = "authorised"


ItemModel = type[ContactIn] | type[InvoiceIn] | type[BankTransactionIn]
MODELS: dict[str, ItemModel] = {
    "contact": ContactIn,
    "invoice": InvoiceIn,
    "bank_transaction": BankTransactionIn,
}
