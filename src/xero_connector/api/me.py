"""``GET /v1/me``: who the credential authenticates as (for checking a key or token)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from xero_connector.api.deps import CallerDep
from xero_connector.api.scope import NO_WORKSPACE
from xero_connector.auth.policy import SERVED_ACTIONS, Action, Role

router = APIRouter(prefix="/v1", tags=["callers"])


class Me(BaseModel):
    """The authenticated caller: its role, its workspace binding and what it may do.

    `actions` lists what the caller may do among the routes that exist.
    """

    actor: str
    role: Role
    workspace_id: str | None
    actions: list[Action]


@router.get(
    "/me",
    response_model=Me,
    summary="The authenticated caller",
    dependencies=[NO_WORKSPACE],  # it only describes the credential
)
async def me(caller: CallerDep) -> Me:
    return Me(
        actor=caller.actor,
        role=caller.role,
        workspace_id=caller.workspace_id,
        actions=[action for action in SERVED_ACTIONS if caller.can(action)],
    )
