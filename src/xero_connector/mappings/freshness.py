"""Asking for a settings pull (a row first, the job after commit) and pulling before a push."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from xero_connector.db.repos import settings_pulls
from xero_connector.db.repos.connections import get_connection
from xero_connector.jobs import ids
from xero_connector.jobs.after_commit import jobs_of
from xero_connector.mappings.pull import (
    PullResult,
    SettingsApiFactory,
    full_pull_owed,
    pull_settings_now,
)


async def request_settings_pull(
    session: AsyncSession, connection_ids: Sequence[str], *, at: datetime
) -> None:
    """Record a full pull as owed by each connection and enqueue it once ``session`` commits.

    Without a dispatcher on the session the row alone says it is owed (the settings cron
    enqueues it).
    """
    if not connection_ids:
        return
    await settings_pulls.request_pull(session, connection_ids, at=at)
    jobs = jobs_of(session)
    if jobs is None:
        return
    for connection_id in connection_ids:
        jobs.add(
            ids.PULL_SETTINGS,
            connection_id,
            "full",
            job_id=ids.settings_pull_job_id(connection_id, at),
        )


async def ensure_fresh_settings(
    sessions: async_sessionmaker[AsyncSession],
    api_for: SettingsApiFactory,
    connection_id: str,
    *,
    max_age: timedelta,
    clock: Callable[[], datetime],
) -> PullResult | None:
    """Before a push: pull in full now when the last full pull is older than ``max_age`` (or a
    pull is owed), so a mapping whose target changed at Xero is caught before the push.

    None when the settings were fresh enough (or the connection is not active). Call it with no
    uncommitted write of your own (the pull opens its own sessions).
    """
    async with sessions() as session:
        connection = await get_connection(session, connection_id)
        if connection is None or connection.status != "active":
            return None
        last = connection.settings_full_pulled_at
        if not full_pull_owed(connection) and last is not None and last >= clock() - max_age:
            return None
    return await pull_settings_now(sessions, api_for, connection_id, full=True, clock=clock)
