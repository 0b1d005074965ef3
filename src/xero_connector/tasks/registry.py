"""Every task and cron, by name: what each dispatcher registers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from xero_connector.jobs import ids
from xero_connector.tasks.disconnect import delete_remote_connection, revoke_grant
from xero_connector.tasks.refresh import check_connections, refresh_grant
from xero_connector.tasks.sweep import sweep

TaskFunction = Callable[..., Awaitable[Any]]

TASKS: dict[str, TaskFunction] = {
    ids.REFRESH_GRANT: refresh_grant,
    ids.DELETE_REMOTE_CONNECTION: delete_remote_connection,
    ids.REVOKE_GRANT: revoke_grant,
    ids.CHECK_CONNECTIONS: check_connections,
    ids.SWEEP: sweep,  # also enqueueable on demand (after a deploy, by ops)
}


@dataclass(frozen=True)
class Cron:
    """A periodic task; every ``interval_seconds``, also once at startup."""

    name: str
    function: TaskFunction
    interval_seconds: int


def crons(sweep_interval_seconds: int) -> list[Cron]:
    return [Cron(ids.SWEEP, sweep, sweep_interval_seconds)]
