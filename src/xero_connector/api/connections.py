"""``GET/DELETE /v1/connections``: a workspace's Xero organisations."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from xero_connector.api.deps import CallerDep, SessionDep
from xero_connector.api.problems import PROBLEM_JSON
from xero_connector.api.schemas import ConnectionOut, ConnectionPage
from xero_connector.api.scope import (
    NOT_FOUND,
    ConnectionInScope,
    WorkspaceInScope,
    workspace_422,
)
from xero_connector.api.xero_deps import DisconnectorDep, request_source
from xero_connector.auth.policy import Action
from xero_connector.connections import list_connections
from xero_connector.sync.views import last_runs

router = APIRouter(prefix="/v1", tags=["connections"])


_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": NOT_FOUND, "content": {PROBLEM_JSON: {}}}
}


@router.get(
    "/connections",
    response_model=ConnectionPage,
    responses=workspace_422("cursor, limit or workspace_id"),
)
async def list_workspace_connections(
    caller: CallerDep,
    session: SessionDep,
    workspace: WorkspaceInScope,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ConnectionPage:
    """A workspace's connections, oldest first (required for API keys, implied for JWTs)."""
    caller.require(Action.READ)
    page = await list_connections(session, workspace_id=workspace, cursor=cursor, limit=limit)
    runs = await last_runs(session, [row.id for row in page.items])
    return ConnectionPage(
        items=[ConnectionOut.of(row, runs.get(row.id)) for row in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/connections/{connection_id}", response_model=ConnectionOut, responses=_NOT_FOUND)
async def read_connection(
    connection: ConnectionInScope, caller: CallerDep, session: SessionDep
) -> ConnectionOut:
    """One connection (another workspace's: 404)."""
    caller.require(Action.READ)
    runs = await last_runs(session, [connection.id])
    return ConnectionOut.of(connection, runs.get(connection.id))


@router.delete("/connections/{connection_id}", status_code=204, responses=_NOT_FOUND)
async def disconnect_connection(
    connection: ConnectionInScope,
    caller: CallerDep,
    session: SessionDep,
    disconnector: DisconnectorDep,
    request: Request,
) -> Response:
    """Disconnect at Xero and forget the tokens; 204 also when already disconnected.

    A Xero connection another workspace still uses stays at Xero, and a consent whose Xero user
    is still connected elsewhere is destroyed here without being revoked at Xero.
    """
    caller.require(Action.DISCONNECT)
    await disconnector.disconnect(
        session,
        connection.id,
        visible=caller.can_see,
        actor=caller.actor,
        source=request_source(request),
    )
    return Response(status_code=204)
