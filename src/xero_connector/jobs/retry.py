"""How the seam turns a task's TransientError into a delay before the next try."""

from __future__ import annotations

from xero_connector.errors import TransientError
from xero_connector.tokens.backoff import Backoff

JOB_BACKOFF = Backoff(base_seconds=2.0, cap_seconds=300.0)


def retry_delay(exc: TransientError, job_try: int, backoff: Backoff = JOB_BACKOFF) -> float:
    """Seconds before try ``job_try + 1``: jittered exponential, at least Xero's Retry-After."""
    return backoff.delay(job_try, retry_after=exc.retry_after)
