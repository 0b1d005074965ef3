"""Work a request made due, recorded as jobs that are enqueued after the request commits.

Services report what became owed (``connections.owed.OwedWork``); this turns it into the job
with its deterministic id (``jobs.ids``) on the request's ``AfterCommitJobs``. The rows already
say the work is owed, so a lost enqueue only waits for the sweeper.
"""

from __future__ import annotations

from datetime import datetime

from xero_connector.jobs import ids
from xero_connector.jobs.after_commit import AfterCommitJobs


class DueJobs:
    """``OwedWork`` over the request's ``AfterCommitJobs``."""

    def __init__(self, jobs: AfterCommitJobs) -> None:
        self._jobs = jobs

    def remote_delete_owed(self, connection_id: str, due_at: datetime) -> None:
        self._jobs.add(
            ids.DELETE_REMOTE_CONNECTION,
            connection_id,
            job_id=ids.remote_delete_job_id(connection_id, due_at),
        )

    def revocation_owed(self, grant_id: str, due_at: datetime) -> None:
        self._jobs.add(ids.REVOKE_GRANT, grant_id, job_id=ids.revoke_job_id(grant_id, due_at))
