"""Settings tasks: one connection's pull, and the cron that enqueues the pulls that are due.

``pull_settings`` is idempotent (a pull writes only what changed) and takes the connection id
and ``full`` or ``changes``. Xero being unavailable or rate limited propagates as the project's
``TransientError`` (the seam retries); a disconnected or refused connection ends the job.
``settings_cron`` enqueues every requested pull not yet done (so a lost queue loses nothing) and
a changes-only pull of every active connection not pulled for ``settings_pull_interval``.
"""

from __future__ import annotations

from typing import Any

from xero_connector.db.repos import settings_pulls
from xero_connector.jobs import ids
from xero_connector.logs import get_logger
from xero_connector.mappings.pull import pull_settings_now, tenant_reader
from xero_connector.tasks.context import resources
from xero_connector.tokens.errors import GrantUnavailable
from xero_connector.xero.errors import XeroAuthFailed, XeroDisconnected

log = get_logger(__name__)


async def pull_settings(ctx: dict[str, Any], connection_id: str, mode: str = "full") -> str:
    """Pull the connection's settings (``full``, or ``changes`` since the last answer)."""
    res = resources(ctx)
    if res.xero_api is None:
        return "no xero client"
    try:
        result = await pull_settings_now(
            res.session_factory,
            tenant_reader(res.xero_api),
            connection_id,
            full=mode == "full",
            clock=res.clock,
        )
    except GrantUnavailable as exc:
        return exc.code
    except XeroDisconnected:
        return "disconnected"
    except XeroAuthFailed:
        log.warning("settings_pull_refused", connection_id=connection_id)
        return "access_token_refused"
    if result is None:
        return "not active"
    return f"{'full' if result.full else 'changes'}: {result.changed} changed"


async def settings_cron(ctx: dict[str, Any]) -> dict[str, int]:
    """Enqueue owed and periodic settings pulls; counts newly enqueued."""
    res = resources(ctx)
    now = res.clock()
    async with res.session_factory() as session:
        owed = await settings_pulls.owed_pulls(session, limit=res.sweep_limit)
        stale = await settings_pulls.stale_settings(
            session, pulled_before=now - res.settings_pull_interval, limit=res.sweep_limit
        )
    counts = {"requested": 0, "periodic": 0}
    for connection_id, requested_at in owed:
        job_id = ids.settings_pull_job_id(connection_id, requested_at)
        if await res.dispatcher.enqueue(ids.PULL_SETTINGS, connection_id, "full", job_id=job_id):
            counts["requested"] += 1
    owed_ids = {connection_id for connection_id, _ in owed}
    for connection_id, pulled_at in stale:
        if connection_id in owed_ids:
            continue
        job_id = ids.settings_pull_job_id(connection_id, pulled_at, "changes")
        if await res.dispatcher.enqueue(ids.PULL_SETTINGS, connection_id, "changes", job_id=job_id):
            counts["periodic"] += 1
    return counts
