"""The seam where a new connection's first settings pull and its first sync are requested."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.base import utcnow
from xero_connector.mappings.freshness import request_settings_pull
from xero_connector.sync.requests import request_sync


async def after_connected(session: AsyncSession, connection_ids: Sequence[str]) -> None:
    """Called inside the callback's transaction once its connections are written.

    Records the first settings pull as owed and writes each connection's first ``sync_runs``
    row (trigger ``connect``), both in this same transaction; their jobs are enqueued only after
    the commit. The run pulls owed settings before it pushes anything
    (``mappings.freshness.ensure_fresh_settings``), so the first sync follows the first pull.
    """
    await request_settings_pull(session, connection_ids, at=utcnow())
    for connection_id in connection_ids:
        await request_sync(session, connection_id, "connect")
