"""The Xero OAuth flow: connect (state, PKCE, nonce) and callback (exchange, verify, store)."""

from xero_connector.oauth.callback import complete_callback
from xero_connector.oauth.connect import ConnectStarted, start_connect
from xero_connector.oauth.flow import CALLBACK_ACTOR, OAuthFlow
from xero_connector.oauth.outcome import CallbackOutcome, InvalidState
from xero_connector.oauth.page import render_callback_page, render_error_page

__all__ = [
    "CALLBACK_ACTOR",
    "CallbackOutcome",
    "ConnectStarted",
    "InvalidState",
    "OAuthFlow",
    "complete_callback",
    "render_callback_page",
    "render_error_page",
    "start_connect",
]
