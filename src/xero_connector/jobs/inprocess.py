"""The in-process runner: dev mode's dispatcher, running the same task functions as arq.

Jobs run as asyncio tasks in the API's event loop; crons are loops. The semantics follow the arq
seam: a job id already queued or running is not enqueued twice; a ``TransientError`` is retried
after a jittered backoff up to ``max_tries``; other errors are logged and end the job; results are
not kept. Nothing survives a restart, which is fine because the sweeper cron (run at start)
re-enqueues everything due from the database.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from xero_connector import metrics
from xero_connector.errors import TransientError
from xero_connector.jobs.dispatch import Cron, JobArg, TaskFunction
from xero_connector.jobs.retry import JOB_BACKOFF, retry_delay
from xero_connector.logs import get_logger, job_log_context
from xero_connector.tokens.backoff import Backoff

log = get_logger(__name__)


class InProcessRunner:
    """A ``Dispatcher`` that runs jobs in this process. ``start()`` the crons, ``stop()`` all.

    ``running`` is True between ``start()`` and ``stop()`` while every cron loop is alive (what
    ``/readyz`` reports in dev). ``backoff`` spaces the retries of a transient failure.
    """

    def __init__(
        self,
        tasks: Mapping[str, TaskFunction],
        crons: Sequence[Cron] = (),
        *,
        ctx: dict[str, Any] | None = None,
        max_tries: int = 5,
        backoff: Backoff = JOB_BACKOFF,
    ) -> None:
        self._tasks = dict(tasks) | {cron.name: cron.function for cron in crons}
        self._crons = list(crons)
        self.ctx: dict[str, Any] = ctx if ctx is not None else {}
        self._max_tries = max_tries
        self._backoff = backoff
        self._started = False
        self._jobs: dict[str, asyncio.Task[None]] = {}
        self._cron_tasks: list[asyncio.Task[None]] = []

    async def enqueue(
        self, job: str, *args: JobArg, job_id: str, defer_until: datetime | None = None
    ) -> bool:
        if job not in self._tasks:
            raise KeyError(f"unknown job {job!r}")
        if job_id in self._jobs:
            return False
        self._jobs[job_id] = asyncio.create_task(self._run(job_id, job, args, defer_until))
        return True

    async def _run(
        self, job_id: str, job: str, args: tuple[JobArg, ...], defer_until: datetime | None
    ) -> None:
        try:
            if defer_until is not None:
                await asyncio.sleep(max(0.0, (defer_until - datetime.now(UTC)).total_seconds()))
            await self.run_now(job, *args, job_id=job_id)
        finally:
            self._jobs.pop(job_id, None)

    async def run_now(self, job: str, *args: JobArg, job_id: str = "") -> Any:
        """Run a job in the caller's task with the seam's retry rules; its result or None."""
        function = self._tasks[job]
        for job_try in range(1, self._max_tries + 1):
            ctx = {**self.ctx, "job_id": job_id, "job_try": job_try}
            metrics.job_run(job)
            with job_log_context(job, job_id, job_try):
                try:
                    return await function(ctx, *args)
                except TransientError as exc:
                    metrics.job_failed(job, "transient")
                    if job_try >= self._max_tries:
                        log.warning("job_gave_up", tries=job_try, error=exc.code)
                        return None
                    delay = retry_delay(exc, job_try, self._backoff)
                except Exception:
                    metrics.job_failed(job, "error")
                    log.exception("job_failed")
                    return None
            await asyncio.sleep(delay)
        return None

    @property
    def running(self) -> bool:
        return self._started and not any(task.done() for task in self._cron_tasks)

    async def start(self) -> None:
        """Start the cron loops (each runs once at once, then every interval)."""
        if self._started:
            return
        self._started = True
        for cron in self._crons:
            self._cron_tasks.append(asyncio.create_task(self._cron_loop(cron)))

    async def _cron_loop(self, cron: Cron) -> None:
        while True:
            await self.run_now(cron.name, job_id=f"cron:{cron.name}")
            await asyncio.sleep(cron.interval_seconds)

    async def drain(self) -> None:
        """Wait until no job is queued or running (jobs enqueued meanwhile included)."""
        while self._jobs:
            await asyncio.gather(*list(self._jobs.values()), return_exceptions=True)

    async def stop(self) -> None:
        """Cancel the crons and every queued or running job (the sweeper redoes what is due)."""
        self._started = False
        for task in [*self._cron_tasks, *self._jobs.values()]:
            task.cancel()
        for task in [*self._cron_tasks, *self._jobs.values()]:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._cron_tasks.clear()
        self._jobs.clear()
