"""The metric objects and the functions that update them (see the package docstring)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    start_http_server,
)

RefreshOutcome = Literal["ok", "grace_recovered", "transient", "invalid_grant", "error"]
REFRESH_OUTCOMES: tuple[RefreshOutcome, ...] = (
    "ok",
    "grace_recovered",
    "transient",
    "invalid_grant",
    "error",
)
CONNECTION_STATUSES = ("active", "needs_reauth", "disconnected")

REGISTRY = CollectorRegistry(auto_describe=True)
# The classic text format: every Prometheus version parses it, and our names need no escaping.
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4

HTTP_REQUESTS = Counter(
    "xero_connector_http_requests",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "xero_connector_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, route template and status code.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
TOKEN_REFRESHES = Counter(
    "xero_connector_token_refreshes",
    "Refresh-token calls to Xero by outcome: ok, grace_recovered (a resent token answered inside "
    "Xero's grace), transient (5xx, 429, timeout), invalid_grant (grant needs reauth), error.",
    ["outcome"],
    registry=REGISTRY,
)
JOBS_RUN = Counter(
    "xero_connector_jobs_run",
    "Background job tries started, by job name (a retried job counts once per try).",
    ["job"],
    registry=REGISTRY,
)
JOBS_FAILED = Counter(
    "xero_connector_jobs_failed",
    "Background job tries that failed, by job name and reason (transient: retried; error: not).",
    ["job", "reason"],
    registry=REGISTRY,
)
CONNECTIONS = Gauge(
    "xero_connector_connections",
    "Connections by status, read from the database at scrape time (the same in every replica).",
    ["status"],
    registry=REGISTRY,
)

XERO_CALLS = Counter(
    "xero_connector_xero_calls",
    "Accounting API calls answered (or failed without an answer: status 'error'), by endpoint "
    "(method and resource) and status code.",
    ["endpoint", "status"],
    registry=REGISTRY,
)
LIMITER_WAIT = Histogram(
    "xero_connector_xero_limiter_wait_seconds",
    "Time a Xero call waited for the rate limiter before it was admitted.",
    buckets=(0.001, 0.005, 0.025, 0.1, 0.25, 1.0, 2.5, 10.0, 30.0, 60.0, 300.0),
    registry=REGISTRY,
)
XERO_RATE_LIMITED = Counter(
    "xero_connector_xero_rate_limited",
    "429 answers from Xero by problem (minute, day, app, concurrent).",
    ["problem"],
    registry=REGISTRY,
)
PARKED_TENANTS = Gauge(
    "xero_connector_xero_parked_tenants",
    "Xero tenants parked by their daily limit (rate_limited_until in the future), read from the "
    "database at scrape time.",
    registry=REGISTRY,
)

for _problem in ("minute", "day", "app", "concurrent"):
    XERO_RATE_LIMITED.labels(_problem)

JOB_QUEUE_DEPTH = Gauge(
    "xero_connector_job_queue_depth",
    "Jobs waiting in the arq queue in Redis (due or deferred), read at scrape time by the api; "
    "0 without Redis (dev runs its jobs in-process).",
    registry=REGISTRY,
)

SYNC_KINDS = ("contact", "invoice", "bank_transaction")
PUSH_OUTCOMES = ("synced", "failed", "uncertain")
FINAL_RUN_STATUSES = ("succeeded", "partial", "failed")
# Every status but synced: what is still on its way to Xero (or stopped on the way).
OUTBOX_STATUSES = ("pending", "blocked", "sending", "failed", "uncertain")

SYNC_ELEMENTS = Counter(
    "xero_connector_sync_elements",
    "Elements sent to Xero by sync runs, by kind and outcome: synced (Xero stored it), failed "
    "(Xero refused it), uncertain (the answer was lost; the next slice looks them up in Xero).",
    ["kind", "outcome"],
    registry=REGISTRY,
)
SYNC_RUN_DURATION = Histogram(
    "xero_connector_sync_run_duration_seconds",
    "Time from a sync run's first slice (its creation, when it failed before starting) to its "
    "end, by final status (succeeded, partial, failed); waits for Xero's limits included.",
    ["status"],
    buckets=(1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 4 * 3600.0, 86400.0),
    registry=REGISTRY,
)
OUTBOX_DEPTH = Gauge(
    "xero_connector_outbox_depth",
    "Records not (yet) synced, by status (pending, blocked, sending, failed, uncertain), over "
    "every connection; read from the database at scrape time.",
    ["status"],
    registry=REGISTRY,
)
OUTBOX_OLDEST_PENDING = Gauge(
    "xero_connector_outbox_oldest_pending_age_seconds",
    "Seconds since the longest-pending record became pending (0 when none is); read from the "
    "database at scrape time.",
    registry=REGISTRY,
)

for _outcome in REFRESH_OUTCOMES:
    TOKEN_REFRESHES.labels(_outcome)
for _kind in SYNC_KINDS:
    for _push in PUSH_OUTCOMES:
        SYNC_ELEMENTS.labels(_kind, _push)
for _status in FINAL_RUN_STATUSES:
    SYNC_RUN_DURATION.labels(_status)


def request_observed(method: str, route: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(method, route, str(status)).inc()
    HTTP_LATENCY.labels(method, route, str(status)).observe(seconds)


def token_refresh(outcome: RefreshOutcome) -> None:
    TOKEN_REFRESHES.labels(outcome).inc()


def job_run(job: str) -> None:
    JOBS_RUN.labels(job).inc()


def job_failed(job: str, reason: Literal["transient", "error"]) -> None:
    JOBS_FAILED.labels(job, reason).inc()


def set_connection_counts(counts: Mapping[str, int]) -> None:
    """Set the connections gauge; statuses missing from ``counts`` read 0."""
    for status in {*CONNECTION_STATUSES, *counts}:
        CONNECTIONS.labels(status).set(counts.get(status, 0))


def xero_call(endpoint: str, status: int | str) -> None:
    XERO_CALLS.labels(endpoint, str(status)).inc()


def limiter_waited(seconds: float) -> None:
    LIMITER_WAIT.observe(seconds)


def xero_rate_limited(problem: str) -> None:
    XERO_RATE_LIMITED.labels(problem).inc()


def set_parked_tenants(count: int) -> None:
    PARKED_TENANTS.set(count)


def set_job_queue_depth(depth: int) -> None:
    JOB_QUEUE_DEPTH.set(depth)


def sync_elements_pushed(kind: str, outcome: str, count: int = 1) -> None:
    SYNC_ELEMENTS.labels(kind, outcome).inc(count)


def sync_run_finished(status: str, seconds: float) -> None:
    SYNC_RUN_DURATION.labels(status).observe(max(0.0, seconds))


def set_outbox_depth(counts: Mapping[str, int], oldest_pending_seconds: float) -> None:
    """Set the outbox gauges; statuses missing from ``counts`` read 0."""
    for status in OUTBOX_STATUSES:
        OUTBOX_DEPTH.labels(status).set(counts.get(status, 0))
    OUTBOX_OLDEST_PENDING.set(max(0.0, oldest_pending_seconds))


def render() -> bytes:
    """The registry in Prometheus' text exposition format."""
    return generate_latest(REGISTRY)


def serve_in_thread(port: int, host: str = "0.0.0.0") -> None:  # noqa: S104 - scraped by Prometheus
    """Serve ``/metrics`` of this process from a daemon thread (the worker has no HTTP server)."""
    start_http_server(port, addr=host, registry=REGISTRY)
