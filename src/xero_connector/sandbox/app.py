"""``create_sandbox_app``: the whole Xero stand-in on one port.

Layers, outermost first: rate limits, faults (both only on ``/api.xro/2.0``), then the
routes: identity (discovery, JWKS, authorize pages, token with its own refresh faults,
revocation, userinfo), connections, the accounting API, ``/_sandbox`` inspection,
``/_sandbox/faults``, ``/_sandbox/settings`` and ``/_sandbox/limits``. The parts are on
``app.state.sandbox``.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from xero_connector.sandbox.accounting import AccountingStore, build_accounting_router
from xero_connector.sandbox.accounting.responses import not_found
from xero_connector.sandbox.connections import build_connections_router
from xero_connector.sandbox.fault_control import build_fault_router
from xero_connector.sandbox.faults import FaultsMiddleware
from xero_connector.sandbox.identity.authorize import build_authorize_router
from xero_connector.sandbox.identity.endpoints import build_identity_endpoints
from xero_connector.sandbox.identity.service import Identity
from xero_connector.sandbox.identity.users import find_user
from xero_connector.sandbox.inspection import build_inspection_router
from xero_connector.sandbox.limits import LimitsMiddleware, RateLimiter
from xero_connector.sandbox.settings_control import build_settings_control_router
from xero_connector.sandbox.world import SandboxConfig, World


@dataclass
class Sandbox:
    """The parts of one running sandbox (tests reach them through ``app.state.sandbox``)."""

    world: World
    identity: Identity
    limiter: RateLimiter
    accounting: AccountingStore


async def _xero_not_found(request: Request, exc: Exception) -> Response:
    """An unknown path under ``/api.xro/2.0`` answers Xero's 404 body, not FastAPI's."""
    if request.url.path.startswith("/api.xro/2.0"):
        return not_found()
    detail = exc.detail if isinstance(exc, HTTPException) else "Not Found"
    return JSONResponse({"detail": detail}, status_code=404)


def create_sandbox_app(config: SandboxConfig) -> FastAPI:
    """A fresh sandbox with its own state, signing key and counters.

    Raises ValueError for an unknown ``auto_approve`` user and the accounting side's
    ``SpecNotFoundError`` when strict mode cannot find Xero's accounting OpenAPI description.
    """
    if config.auto_approve is not None and find_user(config.auto_approve) is None:
        raise ValueError(f"--auto-approve: no seeded user {config.auto_approve!r}")
    world = World(config)
    identity = Identity.create(world)
    limiter = RateLimiter(world)
    app = FastAPI(title="Xero sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(build_identity_endpoints(identity))
    app.include_router(build_authorize_router(identity))
    app.include_router(build_connections_router(identity))
    accounting = AccountingStore(world)
    app.include_router(build_accounting_router(world, accounting))
    app.include_router(build_inspection_router(world, identity, limiter, accounting))
    app.include_router(build_fault_router(world))
    app.include_router(build_settings_control_router(world, accounting, limiter))
    app.add_exception_handler(404, _xero_not_found)
    app.add_middleware(FaultsMiddleware, world=world)
    app.add_middleware(LimitsMiddleware, world=world, limiter=limiter)  # outermost
    app.state.sandbox = Sandbox(world, identity, limiter, accounting)
    return app
