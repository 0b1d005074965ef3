"""Every object that holds a token, code, secret or key hides it from ``repr`` and ``str``.

The dataclasses and wrappers not already covered next to their own module's tests (``TokenSet``,
``AuthorizationRequest``, ``Envelope``, ``LocalKeyring``, ``Vault`` and ``IssuedKey`` are).
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from pydantic import SecretStr

from xero_connector.auth.dashboard_jwt import DashboardJwtVerifier
from xero_connector.db.repos.envelopes import WrappedKeyRow
from xero_connector.oauth.connect import ConnectStarted
from xero_connector.oauth.flow import OAuthFlow
from xero_connector.oauth.pending import PendingSecret
from xero_connector.settings import Settings
from xero_connector.tokens.sealing import SealedTokens, StoredEnvelope, seal_tokens
from xero_connector.vault import LocalKeyring, Vault, generate_key_entry
from xero_connector.xero.identity import XeroEndpoints, XeroIdentity
from xero_connector.xero.tokenset import TokenSet

SECRET = "s3cr3t-value-that-must-never-show-0123456789"
CIPHERTEXT = b"\x01ciphertext-bytes-that-must-never-show"


def _hidden(obj: object, *secrets: str | bytes) -> None:
    shown = repr(obj) + str(obj)
    for secret in secrets:
        text = secret if isinstance(secret, str) else repr(secret)[2:-1]
        assert text not in shown, f"{type(obj).__name__} shows a secret: {shown[:200]}"


def test_a_pending_secret_hides_the_verifier_and_the_nonce() -> None:
    _hidden(PendingSecret(code_verifier=SECRET, nonce=SECRET[::-1]), SECRET, SECRET[::-1])


def test_a_started_connect_hides_the_authorize_url_that_carries_the_state() -> None:
    url = f"https://login.xero.com/identity/connect/authorize?state={SECRET}"
    _hidden(ConnectStarted(authorize_url=url, expires_at=datetime.now(UTC)), SECRET)


def test_settings_hide_the_client_secret_the_keyring_and_the_jwt_secret() -> None:
    keys = generate_key_entry()
    settings = Settings(
        xero_client_secret=SecretStr(SECRET), keys=SecretStr(keys), jwt_secret=SecretStr(SECRET)
    )
    _hidden(settings, SECRET, keys.split(":", 1)[1])


def test_settings_hide_the_passwords_in_the_database_and_redis_urls() -> None:
    settings = Settings(
        database_url=f"postgresql+asyncpg://connector:{SECRET}@db.internal:5432/xc",
        redis_url=f"redis://:{SECRET}@redis.internal:6379/0",
    )
    _hidden(settings, SECRET)
    assert "db.internal" in repr(settings)


def test_a_jwt_verifier_hides_its_secret() -> None:
    _hidden(DashboardJwtVerifier(secret=SECRET), SECRET)


def test_sealed_and_stored_token_envelopes_hide_their_bytes() -> None:
    sealed = SealedTokens(CIPHERTEXT, CIPHERTEXT[::-1], "kid", datetime.now(UTC))
    stored = StoredEnvelope(CIPHERTEXT, CIPHERTEXT[::-1], "kid")
    wrapped = WrappedKeyRow("row-1", CIPHERTEXT, "kid")
    for obj in (sealed, stored, wrapped):
        _hidden(obj, CIPHERTEXT, CIPHERTEXT[::-1])


def test_a_sealed_token_set_shows_nothing_of_the_tokens() -> None:
    vault = Vault(LocalKeyring.from_setting(generate_key_entry()))
    tokens = TokenSet(access_token=SECRET, refresh_token=SECRET[::-1], expires_at=datetime.now(UTC))
    sealed = seal_tokens(vault, "grant-1", tokens)
    _hidden(sealed, SECRET, SECRET[::-1], sealed.token_ciphertext, sealed.data_key_wrapped)


async def test_an_identity_and_the_oauth_flow_holding_it_hide_the_client_secret() -> None:
    keys = generate_key_entry()
    vault = Vault(LocalKeyring.from_setting(keys))
    async with httpx.AsyncClient() as http:
        identity = XeroIdentity(
            client_id="client-1", client_secret=SECRET, endpoints=XeroEndpoints(), http=http
        )
        try:
            flow = OAuthFlow(
                identity=identity,
                vault=vault,
                redirect_uri="https://connector.test/v1/callback",
                scopes=("openid",),
            )
            _hidden(identity, SECRET)
            _hidden(flow, SECRET, keys.split(":", 1)[1])
        finally:
            await identity.aclose()
