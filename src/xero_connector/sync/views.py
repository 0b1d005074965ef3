"""Reading sync runs for the API: one run, a connection's history, each connection's last run."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.connections import get_connection
from xero_connector.connections.paging import Page, decode_cursor, encode_cursor
from xero_connector.db.models import Connection, SyncRun
from xero_connector.db.repos import sync_runs
from xero_connector.errors import Conflict, NotFound
from xero_connector.sync.requests import SyncRequest, request_sync

KINDS = ("contact", "invoice", "bank_transaction")
COUNTERS = ("synced", "failed", "blocked", "pending")


def run_counts(run: SyncRun) -> dict[str, dict[str, int]]:
    """``{kind: {synced, failed, blocked, pending}}`` with every kind and counter present."""
    stored = run.counts or {}
    return {
        kind: {name: int(stored.get(kind, {}).get(name, 0)) for name in COUNTERS} for kind in KINDS
    }


def run_progress(run: SyncRun) -> tuple[int, int]:
    """``(done, total)``: records this run settled, and those plus the ones still waiting."""
    pending = sum(kind["pending"] for kind in run_counts(run).values())
    return run.done, run.done + pending


async def start_sync(session: AsyncSession, connection: Connection) -> SyncRequest:
    """A manual run of an active connection (or the run already active)."""
    if connection.status != "active":
        raise Conflict(f"the connection is {connection.status}; reconnect it to sync")
    return await request_sync(session, connection.id, "manual")


async def read_run(
    session: AsyncSession, run_id: str, *, visible: Callable[[str], bool]
) -> SyncRun:
    """One run; 404 when missing or its connection's workspace is not visible."""
    run = await sync_runs.get_run(session, run_id)
    if run is None:
        raise NotFound("no such sync run")
    try:
        await get_connection(session, run.connection_id, visible=visible)
    except NotFound:
        raise NotFound("no such sync run") from None
    return run


async def list_connection_runs(
    session: AsyncSession, connection: Connection, *, cursor: str | None, limit: int
) -> Page[SyncRun]:
    """A connection's runs, newest first."""
    before = decode_cursor(cursor) if cursor else None
    rows = list(await sync_runs.list_runs(session, connection.id, before=before, limit=limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].created_at, rows[-1].id) if more and rows else None
    return Page(items=rows, next_cursor=next_cursor)


async def last_runs(session: AsyncSession, connection_ids: Sequence[str]) -> dict[str, SyncRun]:
    """Each connection's newest run (for ``last_sync``)."""
    return await sync_runs.latest_runs(session, connection_ids)
