"""Workspace scoping as dependencies: checked before a route's body runs.

Every ``/v1`` route but the callback depends on one of :data:`WORKSPACE_CHECKS` (a test walks
the routers): the workspace a request acts on, checked against the caller's binding (422 when an
unbound key names none, 403 for another one), or the resource it names, loaded only when the
caller may see it (404 otherwise), or an explicit statement that it acts on no workspace.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Path, Query

from xero_connector.api.deps import CallerDep, SessionDep
from xero_connector.api.problems import PROBLEM_JSON
from xero_connector.api.schemas import WORKSPACE_REQUIRED, ConnectRequest
from xero_connector.connections import get_connection
from xero_connector.db.models import Connection, SyncRun
from xero_connector.logs import bind_log_ids
from xero_connector.sync.views import read_run

NOT_FOUND = "No such connection, or one of a workspace the caller may not see."


def workspace_422(invalid: str) -> dict[int | str, dict[str, Any]]:
    """The documented 422 of a route whose workspace comes from the request."""
    description = (
        f"Invalid input ({invalid}); workspace_id is {WORKSPACE_REQUIRED[0].lower()}"
        f"{WORKSPACE_REQUIRED[1:]}"
    )
    return {422: {"description": description, "content": {PROBLEM_JSON: {}}}}


async def connection_in_scope(
    connection_id: Annotated[str, Path()], caller: CallerDep, session: SessionDep
) -> Connection:
    """The connection of the path, when the caller may see its workspace (404 otherwise)."""
    connection = await get_connection(session, connection_id, visible=caller.can_see)
    bind_log_ids(workspace_id=connection.workspace_id, connection_id=connection.id)
    return connection


# The checks below are coroutines so that they run in the request's task: the log ids they bind
# would be lost in a thread pool's context.
async def workspace_in_scope(
    caller: CallerDep,
    workspace_id: Annotated[
        str | None, Query(max_length=128, description=WORKSPACE_REQUIRED)
    ] = None,
) -> str:
    """The workspace of the query, checked against the caller's binding."""
    workspace = caller.workspace_for(workspace_id)
    bind_log_ids(workspace_id=workspace)
    return workspace


async def audit_workspace_in_scope(
    caller: CallerDep,
    workspace_id: Annotated[
        str | None,
        Query(
            max_length=128,
            description="Only this workspace's events. Omitted: every event for an unbound "
            "key, the key's own workspace for a bound one (naming another one: 403).",
        ),
    ] = None,
) -> str | None:
    """The workspace whose audit events are read; None (all of them) only for an unbound key."""
    if workspace_id is None and caller.workspace_id is None:
        return None
    workspace = caller.workspace_for(workspace_id)
    bind_log_ids(workspace_id=workspace)
    return workspace


@dataclass(frozen=True)
class ScopedConnect:
    """A connect request and the workspace it acts on."""

    workspace_id: str
    return_url: str | None


async def connect_in_scope(body: ConnectRequest, caller: CallerDep) -> ScopedConnect:
    """The body of ``POST /v1/connect``, its workspace checked against the caller's binding."""
    workspace = caller.workspace_for(body.workspace_id)
    bind_log_ids(workspace_id=workspace)
    return ScopedConnect(workspace, body.return_url)


async def run_in_scope(
    run_id: Annotated[str, Path()], caller: CallerDep, session: SessionDep
) -> SyncRun:
    """The sync run of the path, when the caller may see its connection's workspace (404)."""
    return await read_run(session, run_id, visible=caller.can_see)


async def acts_on_no_workspace(caller: CallerDep) -> None:
    """For a route that reads or changes nothing of any workspace (``/v1/me``)."""


WORKSPACE_CHECKS: tuple[Callable[..., Any], ...] = (
    connection_in_scope,
    workspace_in_scope,
    audit_workspace_in_scope,
    connect_in_scope,
    run_in_scope,
    acts_on_no_workspace,
)

ConnectionInScope = Annotated[Connection, Depends(connection_in_scope)]
WorkspaceInScope = Annotated[str, Depends(workspace_in_scope)]
AuditWorkspaceInScope = Annotated[str | None, Depends(audit_workspace_in_scope)]
ConnectInScope = Annotated[ScopedConnect, Depends(connect_in_scope)]
RunInScope = Annotated[SyncRun, Depends(run_in_scope)]
NO_WORKSPACE = Depends(acts_on_no_workspace)
