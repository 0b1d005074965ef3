"""Dependencies that build the OAuth flow and the disconnector from the AppContext."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request

from xero_connector.api.deps import ContextDep
from xero_connector.connections import Disconnector, DisconnectWork
from xero_connector.errors import ServiceUnavailable
from xero_connector.oauth import OAuthFlow


def get_oauth_flow(context: ContextDep) -> OAuthFlow:
    if context.xero_identity is None or context.vault is None or not context.xero_redirect_uri:
        raise ServiceUnavailable("Xero credentials or the keyring are not configured")
    return OAuthFlow(
        identity=context.xero_identity,
        vault=context.vault,
        redirect_uri=context.xero_redirect_uri,
        scopes=context.xero_scopes,
        return_url_origins=context.return_url_origins,
        state_ttl=timedelta(seconds=context.state_ttl_seconds),
    )


def get_disconnector(context: ContextDep) -> Disconnector:
    if context.xero_identity is None or context.token_service is None:
        raise ServiceUnavailable("Xero credentials or the keyring are not configured")
    work = DisconnectWork(
        sessions=context.session_factory,
        tokens=context.token_service,
        remote=context.xero_identity,
        dispatcher=context.dispatcher,
    )
    return Disconnector(work)


def request_source(request: Request) -> str:
    """What audit events record as the source of an API request."""
    host = request.client.host if request.client is not None else "unknown"
    return f"api:{host}"[:200]


OAuthFlowDep = Annotated[OAuthFlow, Depends(get_oauth_flow)]
DisconnectorDep = Annotated[Disconnector, Depends(get_disconnector)]
