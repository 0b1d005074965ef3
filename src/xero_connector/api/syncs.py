"""``POST /v1/connections/{id}/sync``, ``GET /v1/syncs/{run_id}``, ``GET .../syncs``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from xero_connector.api.deps import CallerDep, SessionDep
from xero_connector.api.sync_schemas import SyncRunOut, SyncRunPage
from xero_connector.auth.policy import Action
from xero_connector.sync.views import list_connection_runs, read_run, start_sync

router = APIRouter(prefix="/v1", tags=["sync"])


@router.post(
    "/connections/{connection_id}/sync",
    response_model=SyncRunOut,
    status_code=202,
    responses={200: {"model": SyncRunOut, "description": "A run is already queued or running"}},
)
async def sync_connection(
    connection_id: str, caller: CallerDep, session: SessionDep, response: Response
) -> SyncRunOut:
    """Start a sync run (202), or answer the run already queued, running or waiting (200).

    A connection that is not active (disconnected, needs re-auth): 409.
    """
    caller.require(Action.SYNC)
    requested = await start_sync(session, connection_id, visible=caller.can_see)
    if not requested.created:
        response.status_code = 200
    return SyncRunOut.of(requested.run)


@router.get("/syncs/{run_id}", response_model=SyncRunOut)
async def read_sync_run(run_id: str, caller: CallerDep, session: SessionDep) -> SyncRunOut:
    """One run: status, per-kind counts, progress, error (another workspace's: 404)."""
    caller.require(Action.READ)
    return SyncRunOut.of(await read_run(session, run_id, visible=caller.can_see))


@router.get("/connections/{connection_id}/syncs", response_model=SyncRunPage)
async def list_sync_runs(
    connection_id: str,
    caller: CallerDep,
    session: SessionDep,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> SyncRunPage:
    """A connection's runs, newest first."""
    caller.require(Action.READ)
    page = await list_connection_runs(
        session, connection_id, visible=caller.can_see, cursor=cursor, limit=limit
    )
    return SyncRunPage(
        items=[SyncRunOut.of(run) for run in page.items], next_cursor=page.next_cursor
    )
