"""The arq worker's composition root: settings in, arq ``Worker`` keyword arguments out.

``on_startup`` builds one ``WorkerRuntime`` per process (engine, Xero identity, vault, token
service; through ``jobs.runtime``, like the API) and puts its ``TaskResources`` in
``ctx["resources"]`` with an ``ArqDispatcher`` over the worker's own Redis pool; ``on_shutdown``
closes it. With ``XERO_CONNECTOR_WORKER_METRICS_PORT`` the process serves its metrics.
"""

from __future__ import annotations

from typing import Any

from xero_connector import metrics
from xero_connector.jobs.arq_worker import ArqDispatcher, create_worker, run_worker, worker_settings
from xero_connector.jobs.runtime import WorkerRuntime, build_runtime
from xero_connector.settings import Settings
from xero_connector.tasks.registry import TASKS, crons


def arq_settings(settings: Settings) -> dict[str, Any]:
    """arq Worker arguments for ``settings`` (which must pass ``check_for_scale_out``)."""
    assert settings.redis_url is not None

    async def on_startup(ctx: dict[str, Any]) -> None:
        runtime = build_runtime(settings, ArqDispatcher(ctx["redis"], settings.queue_name))
        ctx["runtime"] = runtime
        ctx["resources"] = runtime.resources

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        runtime = ctx.pop("runtime", None)
        if isinstance(runtime, WorkerRuntime):
            await runtime.aclose()

    return worker_settings(
        redis_url=settings.redis_url,
        queue_name=settings.queue_name,
        tasks=TASKS,
        crons=crons(settings.sweep_interval_seconds),
        on_startup=on_startup,
        on_shutdown=on_shutdown,
        max_jobs=settings.worker_max_jobs,
        max_tries=settings.job_max_tries,
        job_timeout_seconds=int(
            settings.xero_timeout_seconds * 3 + settings.refresh_lock_wait_seconds
        ),
    )


def run(settings: Settings) -> None:
    """Run the worker until SIGINT/SIGTERM (serving its metrics when a port is configured)."""
    if settings.worker_metrics_port is not None:
        metrics.serve_in_thread(settings.worker_metrics_port)
    run_worker(arq_settings(settings))


def make_worker(settings: Settings, **overrides: Any) -> Any:
    """An arq Worker (tests: ``burst=True, handle_signals=False``)."""
    return create_worker(arq_settings(settings), **overrides)
