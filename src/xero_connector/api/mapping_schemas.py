"""Bodies of the settings and mappings routes (ARCHITECTURE.md, "Settings, mappings, ...")."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from xero_connector.api.schemas import UtcDatetime
from xero_connector.db.settings_models import XeroAccount, XeroTaxRate
from xero_connector.mappings.drift import MappingState
from xero_connector.mappings.reads import CategoryWithOptions
from xero_connector.mappings.service import MappingsView, Unmapped

AccountStatus = Literal["ACTIVE", "ARCHIVED", "DELETED"]
TaxRateStatus = Literal["ACTIVE", "DELETED", "ARCHIVED", "PENDING"]
TrackingStatus = Literal["ACTIVE", "ARCHIVED", "DELETED"]


class AccountOut(BaseModel):
    """An account of the organisation's chart; ``DELETED`` also means Xero no longer lists it."""

    model_config = ConfigDict(populate_by_name=True)

    account_id: str
    code: str | None
    name: str
    type: str
    account_class: str | None = Field(alias="class")
    status: str
    tax_type: str | None
    enable_payments: bool
    system_account: str | None

    @classmethod
    def of(cls, row: XeroAccount) -> AccountOut:
        return cls(
            account_id=row.account_id,
            code=row.code,
            name=row.name,
            type=row.type,
            account_class=row.account_class,
            status=row.status,
            tax_type=row.tax_type,
            enable_payments=row.enable_payments,
            system_account=row.system_account,
        )


class AccountList(BaseModel):
    items: list[AccountOut]
    pulled_at: UtcDatetime | None = Field(description="When the settings were last pulled.")


class TaxRateOut(BaseModel):
    tax_type: str
    name: str
    status: str
    effective_rate: str | None = Field(description="A decimal as a string (4 dp).")
    can_apply_to: list[Literal["revenue", "expenses", "assets", "liabilities", "equity"]]

    @classmethod
    def of(cls, row: XeroTaxRate) -> TaxRateOut:
        return cls(
            tax_type=row.tax_type,
            name=row.name,
            status=row.status,
            effective_rate=row.effective_rate,
            can_apply_to=list(row.can_apply_to),
        )


class TaxRateList(BaseModel):
    items: list[TaxRateOut]
    pulled_at: UtcDatetime | None


class TrackingOptionOut(BaseModel):
    tracking_option_id: str
    name: str
    status: str


class TrackingCategoryOut(BaseModel):
    tracking_category_id: str
    name: str
    status: str
    options: list[TrackingOptionOut]

    @classmethod
    def of(cls, found: CategoryWithOptions) -> TrackingCategoryOut:
        category = found.category
        return cls(
            tracking_category_id=category.tracking_category_id,
            name=category.name,
            status=category.status,
            options=[
                TrackingOptionOut(
                    tracking_option_id=o.tracking_option_id, name=o.name, status=o.status
                )
                for o in found.options
            ],
        )


class TrackingCategoryList(BaseModel):
    items: list[TrackingCategoryOut]
    pulled_at: UtcDatetime | None


class SettingsPullOut(BaseModel):
    """The pull is owed from ``requested_at``; ``settings_pulled_at`` moves when it finishes."""

    requested_at: UtcDatetime


MappingKind = Literal["account", "tax", "bank_account", "tracking"]


class MappingOut(BaseModel):
    kind: MappingKind
    source_key: str
    target: dict[str, str]
    label: str
    status: Literal["ok", "drifted"]
    reason: str | None = Field(description="Why the mapping drifted (null when ok).")

    @classmethod
    def of(cls, state: MappingState) -> MappingOut:
        mapping = state.mapping
        return cls(
            kind=mapping.kind,
            source_key=mapping.source_key,
            target=dict(mapping.target),
            label=state.label,
            status=state.status,
            reason=state.reason,
        )


class SuggestionOut(BaseModel):
    target: dict[str, str]
    label: str = Field(description="The target and why it was suggested.")
    score: float = Field(ge=0, le=1)


class UnmappedOut(BaseModel):
    kind: MappingKind
    source_key: str
    records_waiting: int
    suggestion: SuggestionOut | None

    @classmethod
    def of(cls, item: Unmapped) -> UnmappedOut:
        found = item.suggestion
        return cls(
            kind=item.kind,
            source_key=item.source_key,
            records_waiting=item.records_waiting,
            suggestion=(
                SuggestionOut(target=found.target, label=found.label, score=found.score)
                if found is not None
                else None
            ),
        )


class MappingsOut(BaseModel):
    items: list[MappingOut]
    unmapped: list[UnmappedOut]

    @classmethod
    def of(cls, view: MappingsView) -> MappingsOut:
        return cls(
            items=[MappingOut.of(s) for s in view.items],
            unmapped=[UnmappedOut.of(u) for u in view.unmapped],
        )


class MappingIn(BaseModel):
    """One mapping; checked by the service so that every invalid entry gets its own reason."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(description="account, tax, bank_account or tracking.")
    source_key: str = Field(description="The platform's key, 1-255 characters.")
    target: dict[str, Any] = Field(
        description="account and bank_account: {account_id} or {code}; tax: {tax_type}; "
        "tracking: {tracking_category_id, tracking_option_id}."
    )


class MappingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[MappingIn] = Field(max_length=5000)
