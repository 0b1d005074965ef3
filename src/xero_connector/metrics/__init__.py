"""Prometheus metrics of this process: counters incremented where events happen, one registry.

No FastAPI here: the token layer and the job seam import these functions; ``api.metrics`` serves
``render()`` and records requests; the worker can serve the same registry on its own port.
Labels are bounded sets (route templates, job names, outcomes), never ids or secrets.
"""

from xero_connector.metrics.registry import (
    CONTENT_TYPE,
    REGISTRY,
    RefreshOutcome,
    job_failed,
    job_run,
    limiter_waited,
    render,
    request_observed,
    serve_in_thread,
    set_connection_counts,
    sync_elements_pushed,
    sync_run_finished,
    token_refresh,
    xero_call,
    xero_rate_limited,
)

__all__ = [
    "CONTENT_TYPE",
    "REGISTRY",
    "RefreshOutcome",
    "job_failed",
    "job_run",
    "limiter_waited",
    "render",
    "request_observed",
    "serve_in_thread",
    "set_connection_counts",
    "sync_elements_pushed",
    "sync_run_finished",
    "token_refresh",
    "xero_call",
    "xero_rate_limited",
]
