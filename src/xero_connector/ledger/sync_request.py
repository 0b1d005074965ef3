"""The seam through which the ledger asks for a sync run (after ingestion, after a retry).

``SyncRequest`` is what the ledger's services are given; ``request_sync`` is the default the API
wires in. It is deliberately a no-op here: the sync capability makes it write (or reuse) a
``sync_runs`` row in the caller's transaction, debounced for ingestion, and enqueue it only after
that transaction commits (the request's after-commit jobs live in ``session.info``).
"""

from __future__ import annotations

from typing import Literal, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

SyncTrigger = Literal["ingest", "retry"]


class SyncRequest(Protocol):
    """Ask for a sync of ``connection_id`` inside the caller's (uncommitted) transaction."""

    async def __call__(
        self, session: AsyncSession, connection_id: str, *, trigger: SyncTrigger
    ) -> None: ...


async def request_sync(session: AsyncSession, connection_id: str, *, trigger: SyncTrigger) -> None:
    """The default :class:`SyncRequest` (a no-op until the sync capability fills it in)."""
    del session, connection_id, trigger
