"""SQL of Postgres session-level advisory locks (``tokens.locks`` builds the refresh lock on them).

Session-level: a lock is held by the connection that took it until it is unlocked or the
connection closes, whatever transactions run on it meanwhile.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


async def try_advisory_lock(connection: AsyncConnection, key: int) -> bool:
    """Take the lock ``key`` on ``connection`` if no other session holds it; True when taken."""
    return bool(await connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))


async def advisory_unlock(connection: AsyncConnection, key: int) -> None:
    """Release the lock ``key`` held by ``connection``."""
    await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
