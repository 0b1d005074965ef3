"""What the disconnector reports when Xero fails and work stays owed (``jobs.due.DueJobs``)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class OwedWork(Protocol):
    """Called inside the transaction that records the owed work; acted on only if it commits.

    ``due_at`` is the value written to the row (``remote_delete_due_at``/``revocation_due_at``),
    so the retry job's id matches the one the sweeper derives from the row.
    """

    def remote_delete_owed(self, connection_id: str, due_at: datetime) -> None: ...

    def revocation_owed(self, grant_id: str, due_at: datetime) -> None: ...
