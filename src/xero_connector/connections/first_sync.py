"""The seam where a new connection's first sync is requested."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.sync.requests import request_sync


async def after_connected(session: AsyncSession, connection_ids: Sequence[str]) -> None:
    """Called inside the callback's transaction once its connections are written.

    Writes each connection's first ``sync_runs`` row (trigger ``connect``) in this same
    transaction; its job is enqueued only after the commit. The run pulls the organisation's
    settings before it pushes anything (it never sends with settings older than the configured
    maximum age, and a new connection has none), so the first sync follows the first pull.
    """
    for connection_id in connection_ids:
        await request_sync(session, connection_id, "connect")
