"""``POST /v1/connect``: start connecting a workspace's Xero organisation."""

from __future__ import annotations

from fastapi import APIRouter, Request

from xero_connector.api.deps import CallerDep, SessionDep
from xero_connector.api.schemas import ConnectResponse
from xero_connector.api.scope import ConnectInScope, workspace_422
from xero_connector.api.xero_deps import OAuthFlowDep, request_source
from xero_connector.auth.policy import Action
from xero_connector.oauth import start_connect

router = APIRouter(prefix="/v1", tags=["connections"])


@router.post(
    "/connect",
    status_code=201,
    response_model=ConnectResponse,
    responses=workspace_422("a malformed workspace_id or a refused return_url"),
)
async def connect(
    scoped: ConnectInScope,
    caller: CallerDep,
    session: SessionDep,
    flow: OAuthFlowDep,
    request: Request,
) -> ConnectResponse:
    """Answer the URL of Xero's consent page; it works once, within ``expires_at``."""
    caller.require(Action.CONNECT)
    started = await start_connect(
        session,
        flow,
        workspace_id=scoped.workspace_id,
        return_url=scoped.return_url,
        actor=caller.actor,
        source=request_source(request),
    )
    return ConnectResponse(authorize_url=started.authorize_url, expires_at=started.expires_at)
