"""``POST /v1/connect``: start connecting a workspace's Xero organisation."""

from __future__ import annotations

from fastapi import APIRouter, Request

from xero_connector.api.deps import CallerDep, SessionDep
from xero_connector.api.schemas import ConnectRequest, ConnectResponse
from xero_connector.api.xero_deps import OAuthFlowDep, request_source
from xero_connector.auth.policy import Action
from xero_connector.oauth import start_connect

router = APIRouter(prefix="/v1", tags=["connections"])


@router.post("/connect", status_code=201, response_model=ConnectResponse)
async def connect(
    body: ConnectRequest,
    caller: CallerDep,
    session: SessionDep,
    flow: OAuthFlowDep,
    request: Request,
) -> ConnectResponse:
    """Answer the URL of Xero's consent page; it works once, within ``expires_at``."""
    caller.require(Action.CONNECT)
    workspace_id = caller.workspace_for(body.workspace_id)
    started = await start_connect(
        session,
        flow,
        workspace_id=workspace_id,
        return_url=body.return_url,
        actor=caller.actor,
        source=request_source(request),
    )
    return ConnectResponse(authorize_url=started.authorize_url, expires_at=started.expires_at)
