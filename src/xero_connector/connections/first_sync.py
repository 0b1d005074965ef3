"""The seam where a new connection's first sync will be requested."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession


async def after_connected(session: AsyncSession, connection_ids: Sequence[str]) -> None:
    """Called inside the callback's transaction once its connections are written.

    Deliberately a no-op today: the sync issue makes this insert the first ``sync_runs`` row (a
    row first, in this same transaction) and has the dispatcher enqueue it only after commit.
    """
    del session, connection_ids
