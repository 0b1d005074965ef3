"""What task code and services use to start background work, whichever dispatcher runs it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

JobArg = str | int
TaskFunction = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class Cron:
    """A periodic task; every ``interval_seconds``, also once at startup."""

    name: str
    function: TaskFunction
    interval_seconds: int


class Dispatcher(Protocol):
    """Enqueues a job by name with id arguments.

    ``job_id`` makes the enqueue idempotent: while a job with that id is queued, deferred or
    running, enqueueing it again is a no-op that returns False. Ids therefore carry what makes
    the work distinct (a grant's refresh generation, a due time; see ``jobs.ids``), so a later
    round of the same work is never dropped. Results are not kept, so a finished id is free again.
    """

    async def enqueue(
        self, job: str, *args: JobArg, job_id: str, defer_until: datetime | None = None
    ) -> bool: ...
