"""The sweeper: enqueue everything the database says is due. Redis only dispatches.

Sync runs: every active run whose next slice is due and held by no live slice (a flushed
Redis, a worker killed mid-slice), and a scheduled run for each active connection that has
records waiting (or blocked records not looked at for a while) but no active run.

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

from xero_connector.db.repos import connections, grants, oauth_states, record_sync, sync_runs
from xero_connector.jobs import ids
from xero_connector.logs import get_logger
from xero_connector.sync.requests import request_sync
from xero_connector.tasks.context import TaskResources, resources

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
    scheduled = await _schedule_runs(res) if res.sync is not None else 0
    async with res.session_factory() as session:
        runs = await sync_runs.due_runs(session, now=res.clock(), limit=res.sweep_limit)
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
        "sync": await _all(
            enqueue(ids.SYNC_RUN, r, step, job_id=ids.sync_job_id(r, step)) for r, step, _ in runs
        ),
        "sync_scheduled": scheduled,
    }
    return counts


async def _schedule_runs(res: TaskResources) -> int:
    """A ``schedule`` run for each connection with work and no active run (enqueued below)."""
    created = 0
    async with res.session_factory() as session:
        connection_ids = await record_sync.connections_to_schedule(
            session, blocked_before=res.clock() - res.sync_blocked_recheck, limit=res.sweep_limit
        )
        for connection_id in connection_ids:
            created += (await request_sync(session, connection_id, "schedule")).created
        await session.commit()
    return created


async def _all(calls: Any) -> int:
    """Await the enqueue calls, at most ENQUEUE_CONCURRENCY at a time; count the True ones."""
    pending: list[Awaitable[bool]] = list(calls)
    enqueued = 0
    for start in range(0, len(pending), ENQUEUE_CONCURRENCY):
        results = await asyncio.gather(*pending[start : start + ENQUEUE_CONCURRENCY])
        enqueued += sum(1 for ok in results if ok)
    return enqueued
