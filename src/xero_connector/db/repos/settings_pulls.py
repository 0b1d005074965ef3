"""SQL of the settings-pull bookkeeping on ``connections``.

A pull is a row first: ``settings_pull_requested_at`` is set in the transaction that asks for
it (the callback, ``POST .../settings/pull``) and stays owed until a full pull that started after
it finishes (``settings_full_pulled_at``). The settings cron re-enqueues what is owed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.models import Connection

ACTIVE = "active"


async def request_pull(
    session: AsyncSession, connection_ids: Sequence[str], *, at: datetime
) -> None:
    """Record that these connections owe a full settings pull requested ``at``."""
    await session.execute(
        update(Connection)
        .where(Connection.id.in_(list(connection_ids)))
        .values(settings_pull_requested_at=at)
        .execution_options(synchronize_session="fetch")
    )


async def owed_pulls(session: AsyncSession, *, limit: int) -> list[tuple[str, datetime]]:
    """``(connection id, requested at)`` of active connections whose requested pull is not done."""
    result = await session.execute(
        select(Connection.id, Connection.settings_pull_requested_at)
        .where(
            Connection.status == ACTIVE,
            Connection.settings_pull_requested_at.is_not(None),
            or_(
                Connection.settings_full_pulled_at.is_(None),
                Connection.settings_full_pulled_at < Connection.settings_pull_requested_at,
            ),
        )
        .order_by(Connection.settings_pull_requested_at)
        .limit(limit)
    )
    return [(row[0], row[1]) for row in result.all() if row[1] is not None]


async def stale_settings(
    session: AsyncSession, *, pulled_before: datetime, limit: int
) -> list[tuple[str, datetime]]:
    """``(connection id, pulled at)`` of active connections last pulled before ``pulled_before``."""
    result = await session.execute(
        select(Connection.id, Connection.settings_pulled_at)
        .where(Connection.status == ACTIVE, Connection.settings_pulled_at < pulled_before)
        .order_by(Connection.settings_pulled_at)
        .limit(limit)
    )
    return [(row[0], row[1]) for row in result.all() if row[1] is not None]


def _lock_key(connection_id: str) -> int:
    digest = hashlib.sha256(f"xero-connector:settings:{connection_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


async def lock_for_pull(session: AsyncSession, connection_id: str) -> None:
    """Serialise the writes of two pulls of one connection until this transaction ends.

    Postgres: a transaction-level advisory lock. SQLite (dev) has one writer already.
    """
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(connection_id)}
        )
