"""``/_sandbox/``: read the sandbox's state and counters, reset it, disconnect a tenant "from inside
Xero", and move sandbox time forward. Served only by the sandbox app, never by the connector's API.
Nothing here returns a token, code or client secret.
"""

from __future__ import annotations

from typing import Any, Protocol

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from xero_connector.sandbox.fault_control import fault_state
from xero_connector.sandbox.identity.service import Identity
from xero_connector.sandbox.identity.users import USERS
from xero_connector.sandbox.limits import RateLimiter
from xero_connector.sandbox.world import World


class AccountingView(Protocol):
    """What inspection needs of the accounting store."""

    def reset(self) -> None: ...

    def counts(self) -> dict[str, dict[str, int]]: ...

    def snapshot(self, tenant_id: str) -> dict[str, Any]: ...


def build_inspection_router(
    world: World, identity: Identity, limiter: RateLimiter, accounting: AccountingView | None
) -> APIRouter:
    router = APIRouter(prefix="/_sandbox", include_in_schema=False)

    def objects() -> dict[str, dict[str, int]]:
        return accounting.counts() if accounting is not None else {}

    @router.get("/stats")
    async def stats() -> dict[str, Any]:
        return {**world.stats.as_dict(), "objects": objects(), "limits": limiter.snapshot()}

    @router.get("/state")
    async def state(tenant: str | None = None) -> Response:
        config = world.config
        body: dict[str, Any] = {
            "clock": {"now": world.clock.now(), "time_scale": world.clock.time_scale},
            "config": {
                "clients": sorted(config.clients),
                "grace_seconds": config.grace_seconds,
                "strict": config.strict,
                "auto_approve": config.auto_approve,
                "seed": config.seed,
                "limits": {
                    "tenant_concurrency": config.tenant_concurrency,
                    "tenant_per_minute": config.tenant_per_minute,
                    "tenant_per_day": config.tenant_per_day,
                    "app_per_minute": config.app_per_minute,
                    "windows": config.limit_windows,
                },
                "faults": fault_state(world),
            },
            "organisations": [
                {"tenantId": o.tenant_id, "name": o.name, "country": o.country}
                for o in world.organisations.values()
            ],
            "users": [
                {"email": u.email, "xero_userid": u.user_id, "tenant_ids": list(u.tenant_ids)}
                for u in USERS
            ],
            **identity.store.snapshot(),
            "disconnected": {g: sorted(t) for g, t in world.disconnected.items() if t},
            "access_tokens": len(world.access_tokens),
            "objects": objects(),
        }
        if tenant is not None:
            if tenant not in world.organisations:
                return JSONResponse({"error": "unknown tenant"}, status_code=404)
            body["tenant"] = accounting.snapshot(tenant) if accounting is not None else {}
        return JSONResponse(body)

    @router.post("/reset")
    async def reset() -> dict[str, bool]:
        world.reset()
        identity.reset()
        limiter.reset()
        if accounting is not None:
            accounting.reset()
        return {"reset": True}

    @router.post("/disconnect")
    async def disconnect(tenant: str) -> Response:
        tenant_id = tenant.strip().lower()
        if tenant_id not in world.organisations:
            return JSONResponse({"error": "unknown tenant"}, status_code=404)
        removed = identity.store.disconnect_tenant(tenant_id)
        return JSONResponse({"tenant": tenant_id, "connections_removed": removed})

    @router.post("/clock/advance")
    async def advance(seconds: float) -> dict[str, float]:
        world.clock.advance(seconds)
        return {"now": world.clock.now()}

    return router
