"""``GET /metrics`` (Prometheus text format) and the middleware that counts requests.

Unauthenticated, like ``/healthz``: scrapers rarely hold credentials, and no label carries an id,
a workspace or a secret (route templates, status codes, job names, outcomes only). Keep the
port off the public internet as you would the probes.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xero_connector import metrics
from xero_connector.api.deps import ContextDep
from xero_connector.metrics.scrape import scrape

UNMATCHED = "<unmatched>"

router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    summary="Prometheus metrics (unauthenticated)",
    response_class=Response,
    responses={200: {"description": "Prometheus text format", "content": {"text/plain": {}}}},
)
async def read_metrics(context: ContextDep) -> Response:
    """This process's counters (requests, Xero calls, token refreshes, jobs, sync runs) and the
    gauges read now: connections and the outbox by status, the oldest pending record's age.

    No authentication, like the probes: the labels hold route templates, status codes, job names
    and outcomes only. The `worker` serves its own on `XERO_CONNECTOR_WORKER_METRICS_PORT`.
    """
    depth = getattr(context.dispatcher, "queue_depth", None)  # the arq dispatcher's, with Redis
    body = await scrape(context.session_factory, depth)
    return Response(content=body, media_type=metrics.CONTENT_TYPE)


def route_template(scope: Scope) -> str:
    """The matched route's path template (``/v1/connections/{connection_id}``), never the raw
    path: raw paths hold ids and would give every id its own time series."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


class RequestMetricsMiddleware:
    """Counts every HTTP request and its latency by method, route template and status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless the app starts a response

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            metrics.request_observed(
                scope["method"], route_template(scope), status, time.perf_counter() - started
            )
