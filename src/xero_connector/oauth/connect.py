"""Start a connection: a fresh state (stored hashed), PKCE S256, a nonce, and the authorize URL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.audit import Actor, AuditAction, Target, audit
from xero_connector.db.base import new_id
from xero_connector.db.models import OAuthState
from xero_connector.db.repos.oauth_states import add_state
from xero_connector.oauth.flow import OAuthFlow
from xero_connector.oauth.pending import PendingSecret, hash_state, seal_pending
from xero_connector.oauth.return_url import check_return_url


@dataclass(frozen=True)
class ConnectStarted:
    """Where to send the user (the URL carries the state: not for logs) and until when."""

    authorize_url: str = field(repr=False)
    expires_at: datetime


async def start_connect(
    session: AsyncSession,
    flow: OAuthFlow,
    *,
    workspace_id: str,
    return_url: str | None,
    actor: str,
    source: str | None,
    now: datetime | None = None,
) -> ConnectStarted:
    """Store a pending state for ``workspace_id`` and return Xero's authorize URL.

    ``return_url`` must have one of the flow's allowed origins (422 otherwise: no open redirect).
    """
    if return_url is not None:
        check_return_url(return_url, flow.return_url_origins)
    now = now or datetime.now(UTC)
    request = flow.identity.authorization_request(
        redirect_uri=flow.redirect_uri, scopes=list(flow.scopes)
    )
    state_id = new_id()
    envelope = seal_pending(
        flow.vault, state_id, PendingSecret(request.code_verifier, request.nonce)
    )
    expires_at = now + flow.state_ttl
    await add_state(
        session,
        OAuthState(
            id=state_id,
            state_hash=hash_state(request.state),
            workspace_id=workspace_id,
            secret_ciphertext=envelope.ciphertext,
            data_key_wrapped=envelope.data_key_wrapped,
            kek_id=envelope.kek_id,
            return_url=return_url,
            created_by=actor[:200],
            created_at=now,
            expires_at=expires_at,
        ),
    )
    await audit(
        session,
        Actor(actor, source),
        AuditAction.CONNECT_START,
        Target.oauth_state(state_id),
        workspace_id,
        has_return_url=return_url is not None,
        expires_at=expires_at.isoformat(),
    )
    return ConnectStarted(authorize_url=request.url, expires_at=expires_at)
