"""``/_sandbox/settings`` and ``/_sandbox/limits``: change a running sandbox "behind the client's
back", as an accountant (or another integration) would in Xero.

``POST /_sandbox/settings`` takes ``{"tenant": T, "changes": [...]}``, each change one of
``{"account": code-or-id, "status"?: ACTIVE|ARCHIVED|DELETED, "name"?: str}``,
``{"tax_rate": TaxType, "status": ...}``, ``{"tracking_category": name-or-id, "option"?: name,
"status": ...}``; all are checked (against the state before the call) before any is applied
(404 for an unknown object, 409 for a forbidden change, 422 for a malformed body).

``POST /_sandbox/limits`` takes ``{"tenant": T, "client_id"?: id, "minute_remaining"?: n,
"day_remaining"?: n}`` and makes that tenant's windows show those counts (for every configured
client unless one is named), as if other calls had used the rest just now.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from xero_connector.sandbox.accounting.responses import json_response
from xero_connector.sandbox.accounting.settings_changes import apply_change
from xero_connector.sandbox.accounting.store import AccountingStore
from xero_connector.sandbox.limits import RateLimiter
from xero_connector.sandbox.world import World


class SettingsChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account: str | None = None
    tax_rate: str | None = None
    tracking_category: str | None = None
    option: str | None = None
    status: str | None = None
    name: str | None = Field(default=None, min_length=1, max_length=150)

    @model_validator(mode="after")
    def one_target(self) -> SettingsChange:
        targets = [self.account, self.tax_rate, self.tracking_category]
        if sum(target is not None for target in targets) != 1:
            raise ValueError("name exactly one of account, tax_rate, tracking_category")
        if self.option is not None and self.tracking_category is None:
            raise ValueError("option goes with tracking_category")
        if self.name is not None and self.account is None:
            raise ValueError("only an account can be renamed")
        if self.status is not None:
            self.status = self.status.upper()
        return self


class SettingsChanges(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tenant: str
    changes: list[SettingsChange] = Field(min_length=1)


class LimitsChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tenant: str
    client_id: str | None = None
    minute_remaining: int | None = Field(default=None, ge=0)
    day_remaining: int | None = Field(default=None, ge=0)


def build_settings_control_router(
    world: World, accounting: AccountingStore, limiter: RateLimiter
) -> APIRouter:
    router = APIRouter(prefix="/_sandbox", include_in_schema=False)

    def unknown_tenant() -> JSONResponse:
        return JSONResponse({"error": "unknown tenant"}, status_code=404)

    @router.post("/settings")
    async def change_settings(body: SettingsChanges) -> Response:
        tenant = body.tenant.strip().lower()
        if tenant not in accounting.ledgers:
            return unknown_tenant()
        ledger = accounting.ledger(tenant)
        now_ms = accounting.now_ms()
        changes = [c.model_dump(exclude_none=True) for c in body.changes]
        try:  # all or nothing: every change is checked before any is applied
            for change in changes:
                apply_change(ledger, change, now_ms, dry_run=True)
        except LookupError as error:
            return JSONResponse({"error": str(error).strip("'\"")}, status_code=404)
        except ValueError as error:
            return JSONResponse({"error": str(error)}, status_code=409)
        changed: list[Any] = [apply_change(ledger, change, now_ms) for change in changes]
        return json_response({"tenant": tenant, "changed": changed})

    @router.get("/limits")
    async def read_limits() -> dict[str, object]:
        config = world.config
        return {
            "tenant_concurrency": config.tenant_concurrency,
            "tenant_per_minute": config.tenant_per_minute,
            "tenant_per_day": config.tenant_per_day,
            "app_per_minute": config.app_per_minute,
            **limiter.snapshot(),
        }

    @router.post("/limits")
    async def change_limits(body: LimitsChange) -> Response:
        tenant = body.tenant.strip().lower()
        if tenant not in world.organisations:
            return unknown_tenant()
        apps = [body.client_id] if body.client_id is not None else sorted(world.config.clients)
        now = world.clock.now()
        remaining = {
            app_id: limiter.set_remaining(
                app_id, tenant, now, minute=body.minute_remaining, day=body.day_remaining
            )
            for app_id in apps
        }
        return JSONResponse({"tenant": tenant, "remaining": remaining})

    return router
