"""A router used only by the tests, to exercise the caller dependencies and the session scope."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from xero_connector.api.deps import CallerDep, SessionDep
from xero_connector.api.scope import WorkspaceInScope
from xero_connector.auth import Action
from xero_connector.db.repos.audit import record_audit
from xero_connector.errors import Conflict, NotFound
from xero_connector.logs import get_logger

log = get_logger(__name__)

router = APIRouter(prefix="/v1/probe")


class WorkspaceBody(BaseModel):
    workspace_id: str | None = None


@router.get("/whoami")
async def whoami(caller: CallerDep) -> dict[str, Any]:
    return {"actor": caller.actor, "role": caller.role, "workspace_id": caller.workspace_id}


@router.post("/connect", status_code=201)
async def connect(caller: CallerDep, body: WorkspaceBody) -> dict[str, str]:
    caller.require(Action.CONNECT)
    return {"workspace_id": caller.workspace_for(body.workspace_id)}


@router.post("/ingest")
async def ingest(caller: CallerDep, body: WorkspaceBody) -> dict[str, str]:
    caller.require(Action.INGEST)
    return {"workspace_id": caller.workspace_for(body.workspace_id)}


@router.get("/audit")
async def audit(caller: CallerDep) -> dict[str, str]:
    caller.require(Action.AUDIT)
    return {"ok": "yes"}


@router.get("/items")
async def list_items(caller: CallerDep, workspace_id: str | None = None) -> dict[str, str]:
    caller.require(Action.READ)
    return {"workspace_id": caller.workspace_for(workspace_id)}


@router.get("/items/{owner}/{item_id}")
async def get_item(caller: CallerDep, owner: str, item_id: int) -> dict[str, Any]:
    caller.require(Action.READ)
    if not caller.can_see(owner):
        raise NotFound("no such item")
    return {"owner": owner, "id": item_id}


@router.post("/write")
async def write(caller: CallerDep, session: SessionDep, fail: bool = False) -> dict[str, str]:
    await record_audit(
        session,
        actor=caller.actor,
        action="probe.write",
        workspace_id=None,
        target="probe",
        result="ok",
        source="test",
    )
    if fail:
        raise Conflict("asked to fail")
    return {"written": "yes"}


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError("unexpected failure with token=abc123secret")


@router.get("/teapot")
async def teapot() -> None:
    raise HTTPException(status_code=418, detail="short and stout")


@router.get("/logged")
async def logged(workspace: WorkspaceInScope) -> dict[str, str]:
    log.info("probe_logged", note="inside a route")
    return {"workspace_id": workspace}
