"""The arq side of the seam: the worker's settings, and the dispatcher that enqueues into arq.

The only module that imports arq. Every task is wrapped so that the project's ``TransientError``
becomes ``arq.Retry`` with a jittered backoff; results are never kept (``keep_result=0``), so a
finished job id is free again and only queued, deferred or running jobs deduplicate. Job ids
are prefixed with the queue name, so several deployments (or tests) can share one Redis.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from arq import Retry, cron
from arq.connections import ArqRedis, RedisSettings
from arq.worker import func
from redis.asyncio import Redis

from xero_connector import metrics
from xero_connector.errors import TransientError
from xero_connector.jobs.dispatch import Cron, JobArg, TaskFunction
from xero_connector.jobs.retry import retry_delay
from xero_connector.logs import get_logger, job_log_context

log = get_logger(__name__)

Hook = Callable[[dict[str, Any]], Awaitable[None]]


def arq_redis(url: str) -> Redis:
    """A Redis client that can also enqueue arq jobs (what ``ArqDispatcher`` needs).

    No I/O until first used; the API's readiness check pings the same client.
    """
    client: Redis = ArqRedis.from_url(url)
    return client


class ArqDispatcher:
    """A ``Dispatcher`` over arq; checks ``enqueue_job``'s None (a duplicate id) and reports it.

    ``redis`` must come from :func:`arq_redis` (or arq's ``create_pool``); it is not closed here.
    """

    def __init__(self, redis: Redis, queue_name: str) -> None:
        if not isinstance(redis, ArqRedis):
            raise TypeError("ArqDispatcher needs an arq client: use jobs.arq_worker.arq_redis")
        self._redis = redis
        self.queue_name = queue_name

    async def enqueue(
        self, job: str, *args: JobArg, job_id: str, defer_until: datetime | None = None
    ) -> bool:
        queued = await self._redis.enqueue_job(
            job,
            *args,
            _job_id=f"{self.queue_name}:{job_id}",
            _queue_name=self.queue_name,
            _defer_until=defer_until,
        )
        return queued is not None

    async def queue_depth(self) -> int:
        """Jobs waiting in the queue (arq keeps it as a sorted set named after the queue)."""
        return int(await self._redis.zcard(self.queue_name))


def _retrying(name: str, task: TaskFunction) -> Any:
    @functools.wraps(task)
    async def run(ctx: dict[str, Any], *args: Any) -> Any:
        metrics.job_run(name)
        job_try = int(ctx.get("job_try", 1))
        with job_log_context(name, str(ctx.get("job_id", "")), job_try):
            try:
                return await task(ctx, *args)
            except TransientError as exc:
                metrics.job_failed(name, "transient")
                delay = retry_delay(exc, job_try)
                log.info("job_retry_later", error=exc.code, defer_seconds=round(delay, 3))
                raise Retry(defer=delay) from exc
            except Exception:
                metrics.job_failed(name, "error")
                log.exception("job_failed")
                raise

    run.__qualname__ = name
    return run


def _seconds(interval: int) -> dict[str, Any]:
    """arq cron fields for "every ``interval`` seconds" (a divisor of 60, or whole minutes)."""
    if interval < 60:
        return {"second": set(range(0, 60, max(1, interval)))}
    return {"second": 0, "minute": set(range(0, 60, max(1, interval // 60)))}


def worker_settings(
    *,
    redis_url: str,
    queue_name: str,
    tasks: Mapping[str, TaskFunction],
    crons: Sequence[Cron],
    on_startup: Hook,
    on_shutdown: Hook,
    max_jobs: int,
    max_tries: int = 8,
    job_timeout_seconds: int = 120,
    poll_delay_seconds: float = 0.05,
) -> dict[str, Any]:
    """Keyword arguments for ``arq.worker.Worker`` (what a ``WorkerSettings`` class would hold)."""
    return {
        "functions": [
            func(_retrying(name, task), name=name, keep_result=0, max_tries=max_tries)
            for name, task in tasks.items()
        ],
        "cron_jobs": [
            cron(
                _retrying(c.name, c.function),
                name=f"{queue_name}:cron:{c.name}",
                run_at_startup=True,
                keep_result=0,
                max_tries=1,
                **_seconds(c.interval_seconds),
            )
            for c in crons
        ],
        "redis_settings": RedisSettings.from_dsn(redis_url),
        "queue_name": queue_name,
        "health_check_key": f"{queue_name}:health-check",
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "max_jobs": max_jobs,
        "keep_result": 0,
        "job_timeout": job_timeout_seconds,
        # arq takes at most max_jobs new jobs per poll: the delay caps a worker's throughput
        "poll_delay": poll_delay_seconds,
    }


def run_worker(settings: dict[str, Any], **overrides: Any) -> None:
    """Run an arq worker until it is signalled (blocking; owns its event loop)."""
    from arq.worker import Worker

    Worker(**{**settings, **overrides}).run()


def create_worker(settings: dict[str, Any], **overrides: Any) -> Any:
    """An arq ``Worker`` for tests (``burst=True``, ``handle_signals=False``) or embedding."""
    from arq.worker import Worker

    return Worker(**{**settings, **overrides})
