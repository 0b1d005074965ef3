"""Job names and the deterministic job id scheme.

An id names one unit of work: a refresh of grant G at generation N, a remote delete of connection
C owed since T. The same work enqueued twice (sweeper and on-demand) is deduplicated; the next
generation or due time is a different id and is never dropped (see arq's keep_result trap in
ARCHITECTURE.md).
"""

from __future__ import annotations

from datetime import datetime

REFRESH_GRANT = "refresh_grant"
DELETE_REMOTE_CONNECTION = "delete_remote_connection"
REVOKE_GRANT = "revoke_grant"
SWEEP = "sweep"
CHECK_CONNECTIONS = "check_connections"


def _stamp(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def refresh_job_id(grant_id: str, generation: int) -> str:
    return f"refresh:{grant_id}:g{generation}"


def remote_delete_job_id(connection_id: str, due_at: datetime) -> str:
    return f"remote-delete:{connection_id}:{_stamp(due_at)}"


def revoke_job_id(grant_id: str, due_at: datetime) -> str:
    return f"revoke:{grant_id}:{_stamp(due_at)}"


def check_connections_job_id(grant_id: str, generation: int) -> str:
    return f"check-connections:{grant_id}:g{generation}"


PULL_SETTINGS = "pull_settings"
SETTINGS_CRON = "settings_cron"


def settings_pull_job_id(connection_id: str, at: datetime, mode: str = "full") -> str:
    """A requested pull (``at`` = its request time) or a periodic one (``at`` = last pulled)."""
    return f"settings-pull:{connection_id}:{mode}:{_stamp(at)}"
