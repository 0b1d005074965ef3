"""Every task and cron, by name: what each dispatcher registers."""

from __future__ import annotations

from xero_connector.jobs import ids
from xero_connector.jobs.dispatch import Cron, TaskFunction
from xero_connector.tasks.disconnect import delete_remote_connection, revoke_grant
from xero_connector.tasks.refresh import check_connections, refresh_grant
from xero_connector.tasks.settings import pull_settings, settings_cron
from xero_connector.tasks.sweep import sweep

TASKS: dict[str, TaskFunction] = {
    ids.REFRESH_GRANT: refresh_grant,
    ids.DELETE_REMOTE_CONNECTION: delete_remote_connection,
    ids.REVOKE_GRANT: revoke_grant,
    ids.CHECK_CONNECTIONS: check_connections,
    ids.SWEEP: sweep,  # also enqueueable on demand (after a deploy, by ops)
    ids.PULL_SETTINGS: pull_settings,
}


def crons(sweep_interval_seconds: int) -> list[Cron]:
    return [
        Cron(ids.SWEEP, sweep, sweep_interval_seconds),
        Cron(ids.SETTINGS_CRON, settings_cron, sweep_interval_seconds),
    ]
