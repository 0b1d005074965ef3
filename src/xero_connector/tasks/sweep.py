"""The sweeper: enqueue everything the database says is due. Redis only dispatches.

Run by a cron in every dispatcher. Because every unit of work is a row first and job ids are
deterministic, re-enqueueing is harmless (duplicates are dropped) and a flushed or restarted
Redis loses nothing: the next sweep puts it all back.

It also deletes OAuth states a day past their expiry (until then a late callback still hears
"expired" rather than "unknown").
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any

from xero_connector.db.repos import connections, grants, oauth_states
from xero_connector.jobs import ids
from xero_connector.logs import get_logger
from xero_connector.tasks.context import resources

log = get_logger(__name__)

ENQUEUE_CONCURRENCY = 50
STATES_KEPT_AFTER_EXPIRY = timedelta(days=1)


async def sweep(ctx: dict[str, Any]) -> dict[str, int]:
    """Enqueue due refreshes, owed remote deletes and owed revocations; counts newly enqueued."""
    res = resources(ctx)
    now = res.clock()
    policy = res.tokens.policy
    async with res.session_factory() as session:
        refreshes = await grants.due_refreshes(
            session,
            now=now,
            margin=policy.margin,
            in_use_window=res.in_use_window,
            keepalive_after=policy.keepalive_after,
            limit=res.sweep_limit,
        )
        deletes = await connections.owed_remote_deletes(session, now=now, limit=res.sweep_limit)
        revocations = await grants.owed_revocations(session, now=now, limit=res.sweep_limit)
        stale = await oauth_states.delete_stale_states(
            session, before=now - STATES_KEPT_AFTER_EXPIRY, limit=res.sweep_limit
        )
        await session.commit()
    if stale:
        log.info("stale_oauth_states_deleted", count=stale)
    enqueue = res.dispatcher.enqueue
    counts = {
        "refresh": await _all(
            enqueue(ids.REFRESH_GRANT, g, n, job_id=ids.refresh_job_id(g, n)) for g, n in refreshes
        ),
        "remote_delete": await _all(
            enqueue(ids.DELETE_REMOTE_CONNECTION, c, job_id=ids.remote_delete_job_id(c, due))
            for c, due in deletes
        ),
        "revoke": await _all(
            enqueue(ids.REVOKE_GRANT, g, job_id=ids.revoke_job_id(g, due)) for g, due in revocations
        ),
    }
    return counts


async def _all(calls: Any) -> int:
    """Await the enqueue calls, at most ENQUEUE_CONCURRENCY at a time; count the True ones."""
    pending: list[Awaitable[bool]] = list(calls)
    enqueued = 0
    for start in range(0, len(pending), ENQUEUE_CONCURRENCY):
        results = await asyncio.gather(*pending[start : start + ENQUEUE_CONCURRENCY])
        enqueued += sum(1 for ok in results if ok)
    return enqueued
