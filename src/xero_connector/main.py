"""The composition root of the HTTP API: ``create_app(settings)``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from xero_connector import __version__
from xero_connector.api import (
    audit_events,
    callback,
    connect,
    connections,
    health,
    ingest,
    mappings,
    me,
    metrics,
    records,
    syncs,
)
from xero_connector.api import settings as settings_routes
from xero_connector.api.body_limit import BodyLimitMiddleware
from xero_connector.api.caller_first import install_caller_first
from xero_connector.api.cors import ProblemCORSMiddleware
from xero_connector.api.idempotency import IdempotencyMiddleware
from xero_connector.api.metrics import RequestMetricsMiddleware
from xero_connector.api.openapi import install_openapi
from xero_connector.api.outage import install_outage_handler
from xero_connector.api.problems import install_problem_handlers
from xero_connector.api.request_id import RequestIdMiddleware
from xero_connector.context import AppContext, build_context
from xero_connector.settings import Settings
from xero_connector.ui import mount_ui

DESCRIPTION = (
    "Connect a workspace's Xero organisations, list and disconnect them; the service keeps their "
    "tokens encrypted and fresh. Read their chart of accounts and tax rates, map the platform's "
    "keys onto them, hand over contacts, invoices and bank transactions, and sync them into Xero "
    "exactly once. Every /v1 route "
    "except /v1/callback needs `Authorization: Bearer <API key or dashboard JWT>`; every error is "
    "`application/problem+json` (RFC 9457)."
)


ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    metrics.router,
    connect.router,
    callback.router,
    connections.router,
    settings_routes.router,
    mappings.router,
    me.router,
    ingest.router,
    records.router,
    syncs.router,
    audit_events.router,
)
"""Every router the service serves (a test walks them: see tests/api/test_route_walk.py)."""


def include_routers(app: FastAPI) -> None:
    """Every router the service serves."""
    for router in ROUTERS:
        app.include_router(router)


def create_app(settings: Settings, *, context: AppContext | None = None) -> FastAPI:
    """The FastAPI application for ``settings``.

    Without ``context`` the lifespan builds the resources from ``settings``, starts the
    in-process job runner when there is one (``dev``: no Redis) and stops and closes everything
    at shutdown; a given ``context`` (tests) is used as it is, left to its owner to start and close.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if context is not None:
            yield
            return
        built = build_context(settings)
        app.state.context = built
        try:
            await built.start()
            yield
        finally:
            app.state.context = None
            await built.aclose()

    app = FastAPI(
        title="xero-connector",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.context = context
    install_problem_handlers(app)
    install_caller_first(app)
    install_outage_handler(app)
    # Innermost: it sees the body the limit let through and the route's whole answer; a replayed
    # answer is counted and gets CORS headers like any other.
    app.add_middleware(IdempotencyMiddleware)
    # Inside CORS, so a 413 to an allowed browser origin still carries its CORS headers.
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(ProblemCORSMiddleware, origins=settings.cors_origin_list)
    # Outermost of ours: sees the final status, CORS preflights and problem responses included.
    app.add_middleware(RequestMetricsMiddleware)
    # Outermost: every log line of a request, the metrics' and CORS's included, has its id.
    app.add_middleware(RequestIdMiddleware)
    include_routers(app)
    if settings.ui_enabled:
        mount_ui(app)
    install_openapi(app)
    return app
