"""The OAuth flow's configuration and its collaborators, built per request from the AppContext."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from xero_connector.vault import Vault
from xero_connector.xero.identity import XeroIdentity

CALLBACK_ACTOR = "xero-callback"


@dataclass(frozen=True)
class OAuthFlow:
    """Everything ``start_connect`` and ``complete_callback`` need besides the session.

    ``redirect_uri`` must equal the Xero app's registered redirect URI; ``return_url_origins`` are
    the origins a ``return_url`` may point at (and the popup page posts its message to).
    """

    identity: XeroIdentity
    vault: Vault
    redirect_uri: str
    scopes: tuple[str, ...]
    return_url_origins: tuple[str, ...] = ()
    state_ttl: timedelta = field(default=timedelta(minutes=10))

    @property
    def wants_id_token(self) -> bool:
        return "openid" in self.scopes
