"""``POST /v1/connections/{id}/sync``, ``GET /v1/syncs/{run_id}``, ``GET .../syncs``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from xero_connector.api.deps import CallerDep, SessionDep
from xero_connector.api.problems import PROBLEM_JSON
from xero_connector.api.scope import NOT_FOUND, ConnectionInScope, RunInScope
from xero_connector.api.sync_schemas import SyncRunOut, SyncRunPage
from xero_connector.auth.policy import Action
from xero_connector.sync.views import list_connection_runs, start_sync

router = APIRouter(prefix="/v1", tags=["sync"])

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": NOT_FOUND, "content": {PROBLEM_JSON: {}}}
}


@router.post(
    "/connections/{connection_id}/sync",
    response_model=SyncRunOut,
    status_code=202,
    responses={
        200: {"model": SyncRunOut, "description": "A run is already queued, running or waiting"},
        404: {"description": NOT_FOUND, "content": {PROBLEM_JSON: {}}},
        409: {
            "description": "The connection is not active (disconnected, needs re-auth)",
            "content": {PROBLEM_JSON: {}},
        },
    },
)
async def sync_connection(
    connection: ConnectionInScope, caller: CallerDep, session: SessionDep, response: Response
) -> SyncRunOut:
    """Start a sync run (202), or answer the run already queued, running or waiting (200)."""
    caller.require(Action.SYNC)
    requested = await start_sync(session, connection)
    if not requested.created:
        response.status_code = 200
    return SyncRunOut.of(requested.run)


@router.get(
    "/syncs/{run_id}",
    response_model=SyncRunOut,
    responses={
        404: {
            "description": "No such run, or one of a workspace the caller may not see.",
            "content": {PROBLEM_JSON: {}},
        }
    },
)
async def read_sync_run(run: RunInScope, caller: CallerDep) -> SyncRunOut:
    """One run: status, per-kind counts, progress, error."""
    caller.require(Action.READ)
    return SyncRunOut.of(run)


@router.get("/connections/{connection_id}/syncs", response_model=SyncRunPage, responses=_NOT_FOUND)
async def list_sync_runs(
    connection: ConnectionInScope,
    caller: CallerDep,
    session: SessionDep,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> SyncRunPage:
    """A connection's runs, newest first."""
    caller.require(Action.READ)
    page = await list_connection_runs(session, connection, cursor=cursor, limit=limit)
    return SyncRunPage.of(page)
