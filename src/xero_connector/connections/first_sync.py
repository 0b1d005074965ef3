"""The seam where a new connection's first settings pull (and its first sync) is requested."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.base import utcnow
from xero_connector.mappings.freshness import request_settings_pull


async def after_connected(session: AsyncSession, connection_ids: Sequence[str]) -> None:
    """Called inside the callback's transaction once its connections are written.

    Records the first settings pull as owed (a row first) and enqueues it after the commit. The
    sync issue adds the first ``sync_runs`` row here; a sync pulls owed settings before it pushes
    (``mappings.freshness.ensure_fresh_settings``), so it never runs ahead of the first pull.
    """
    await request_settings_pull(session, connection_ids, at=utcnow())
