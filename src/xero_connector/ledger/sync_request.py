"""The seam through which the ledger asks for a sync run (after ingestion, after a retry).

``SyncRequest`` is what the ledger's services are given; the API wires in
``sync.requests.request_sync`` (``api/ledger_deps.py``), debounced for ingestion: it writes (or
reuses) the connection's active ``sync_runs`` row in the caller's transaction and enqueues its
job only after that transaction commits.
"""

from __future__ import annotations

from typing import Literal, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.sync import requests

SyncTrigger = Literal["ingest", "retry"]


class SyncRequest(Protocol):
    """Ask for a sync of ``connection_id`` inside the caller's (uncommitted) transaction."""

    async def __call__(
        self, session: AsyncSession, connection_id: str, *, trigger: SyncTrigger
    ) -> None: ...


def debounced(delay_seconds: float) -> SyncRequest:
    """A :class:`SyncRequest` whose ingestion runs start ``delay_seconds`` later."""

    async def request_sync(
        session: AsyncSession, connection_id: str, *, trigger: SyncTrigger
    ) -> None:
        delay = delay_seconds if trigger == "ingest" else 0.0
        await requests.request_sync(session, connection_id, trigger, delay_seconds=delay)

    return request_sync


request_sync = debounced(0.0)
"""The undebounced :class:`SyncRequest`."""
