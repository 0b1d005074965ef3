"""``/v1/connections/{id}/accounts``, ``/tax-rates``, ``/tracking-categories`` and
``POST .../settings/pull``: the cached Xero settings of a connection."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from xero_connector.api.deps import CallerDep, SessionDep
from xero_connector.api.mapping_schemas import (
    AccountList,
    AccountOut,
    AccountStatus,
    SettingsPullOut,
    TaxRateList,
    TaxRateOut,
    TaxRateStatus,
    TrackingCategoryList,
    TrackingCategoryOut,
    TrackingStatus,
)
from xero_connector.api.problems import PROBLEM_JSON
from xero_connector.api.scope import NOT_FOUND, ConnectionInScope
from xero_connector.auth.policy import Action
from xero_connector.db.base import utcnow
from xero_connector.mappings import reads, service

router = APIRouter(
    prefix="/v1/connections/{connection_id}",
    tags=["settings"],
    responses={404: {"description": NOT_FOUND, "content": {PROBLEM_JSON: {}}}},
)


@router.get("/accounts", response_model=AccountList)
async def list_accounts(
    connection: ConnectionInScope,
    caller: CallerDep,
    session: SessionDep,
    status: AccountStatus | None = None,
    account_type: Annotated[str | None, Query(alias="type", max_length=32)] = None,
    account_class: Annotated[str | None, Query(alias="class", max_length=32)] = None,
    usable_for: reads.UsableFor | None = None,
) -> AccountList:
    """The chart of accounts as last pulled. ``usable_for=sales|purchases``: what a line may
    post to (ACTIVE, not BANK, not a system account); ``bank``: ACTIVE BANK accounts."""
    caller.require(Action.READ)
    wanted = reads.AccountFilter(status, account_type, account_class, usable_for)
    rows = await reads.list_accounts(session, connection, wanted)
    return AccountList(
        items=[AccountOut.of(r) for r in rows], pulled_at=reads.pulled_at(connection)
    )


@router.get("/tax-rates", response_model=TaxRateList)
async def list_tax_rates(
    connection: ConnectionInScope,
    caller: CallerDep,
    session: SessionDep,
    status: TaxRateStatus | None = None,
    can_apply_to: reads.ApplyWord | None = None,
    account: Annotated[
        str | None,
        Query(max_length=64, description="An AccountID or code: the rates usable with it."),
    ] = None,
) -> TaxRateList:
    """The tax rates as last pulled, with the account classes each can apply to."""
    caller.require(Action.READ)
    rows = await reads.list_tax_rates(
        session, connection, status=status, can_apply_to=can_apply_to, account=account
    )
    return TaxRateList(
        items=[TaxRateOut.of(r) for r in rows], pulled_at=reads.pulled_at(connection)
    )


@router.get("/tracking-categories", response_model=TrackingCategoryList)
async def list_tracking_categories(
    connection: ConnectionInScope,
    caller: CallerDep,
    session: SessionDep,
    status: TrackingStatus | None = None,
) -> TrackingCategoryList:
    """The tracking categories (archived ones included) with all their options."""
    caller.require(Action.READ)
    found = await reads.list_tracking(session, connection, status=status)
    return TrackingCategoryList(
        items=[TrackingCategoryOut.of(c) for c in found], pulled_at=reads.pulled_at(connection)
    )


@router.post("/settings/pull", status_code=202, response_model=SettingsPullOut)
async def pull_settings(
    connection: ConnectionInScope, caller: CallerDep, session: SessionDep
) -> SettingsPullOut:
    """Pull the settings from Xero again now; ``settings_pulled_at`` moves when it finishes.

    409 unless the connection is active.
    """
    caller.require(Action.SYNC)
    requested = await service.request_pull(session, connection, now=utcnow())
    return SettingsPullOut(requested_at=requested)
