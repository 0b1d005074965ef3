"""Per-grant refresh locks: at most one refresh of a grant in flight.

Two kinds, one protocol:

- ``LocalGrantLocks``: an ``asyncio.Lock`` per grant. Enough in dev (SQLite, one process) and
  always used in front of the cross-process lock so one process asks Postgres only once.
- ``PgAdvisoryGrantLocks``: a Postgres session-level advisory lock, taken on a connection of its
  own (never the connection that reads and writes the grant), keyed by a hash of the grant id.
  It is not a row lock: the grant row stays writable while the token call is in flight, so the
  refresh start commits in its own transaction before the call. A process that dies mid-refresh
  loses its connection and with it the lock; nobody has to expire it.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol
from weakref import WeakValueDictionary

from sqlalchemy.ext.asyncio import AsyncEngine

from xero_connector.db.repos.advisory_locks import advisory_unlock, try_advisory_lock
from xero_connector.tokens.errors import RefreshBusy

_LOCK_NAMESPACE = b"xero-connector/grant-refresh/"


def advisory_key(grant_id: str) -> int:
    """A signed 64-bit advisory lock key for ``grant_id`` (sha256, namespaced)."""
    digest = hashlib.sha256(_LOCK_NAMESPACE + grant_id.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class GrantLocks(Protocol):
    """Serialises refreshes of one grant. ``hold`` raises ``RefreshBusy`` after its wait limit."""

    def hold(self, grant_id: str) -> AbstractAsyncContextManager[None]: ...


class LocalGrantLocks:
    """One ``asyncio.Lock`` per grant id, in this process and event loop only."""

    def __init__(self) -> None:
        self._locks: WeakValueDictionary[str, asyncio.Lock] = WeakValueDictionary()

    @asynccontextmanager
    async def hold(self, grant_id: str) -> AsyncIterator[None]:
        lock = self._locks.get(grant_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[grant_id] = lock
        async with lock:
            yield


class PgAdvisoryGrantLocks:
    """Cross-process per-grant lock: ``pg_try_advisory_lock`` on a dedicated connection.

    Waits up to ``wait_seconds`` (polling with a growing pause) and then raises ``RefreshBusy``, a
    transient error, so a job is retried later. The lock is released with ``pg_advisory_unlock``;
    if that fails the connection is invalidated (closed) rather than returned to the pool still
    holding the lock. The connection runs in autocommit, so no transaction stays open while the
    token call is in flight.
    """

    def __init__(self, engine: AsyncEngine, *, wait_seconds: float = 60.0) -> None:
        self._engine = engine
        self._wait_seconds = wait_seconds
        self._local = LocalGrantLocks()

    @asynccontextmanager
    async def hold(self, grant_id: str) -> AsyncIterator[None]:
        key = advisory_key(grant_id)
        async with self._local.hold(grant_id), self._engine.connect() as base:
            connection = await base.execution_options(isolation_level="AUTOCOMMIT")
            deadline = time.monotonic() + self._wait_seconds
            pause = 0.01
            while True:
                if await try_advisory_lock(connection, key):
                    break
                if time.monotonic() >= deadline:
                    raise RefreshBusy(f"grant {grant_id} is refreshed elsewhere", retry_after=5)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 0.25)
            try:
                yield
            finally:
                try:
                    await asyncio.shield(advisory_unlock(connection, key))
                except BaseException:
                    await connection.invalidate()
                    raise
