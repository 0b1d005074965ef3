"""XeroIdentity: authorization requests, code exchange, refresh, revocation, error classes."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.fake_xero import ENDPOINTS, FakeXero, Tenant
from xero_connector.xero.errors import (
    InvalidGrant,
    XeroOAuthError,
    XeroRateLimited,
    XeroUnavailable,
)
from xero_connector.xero.identity import XeroIdentity

REDIRECT = "https://connector.example.test/v1/callback"
SCOPES = ["openid", "offline_access", "accounting.settings"]


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


async def _code(identity: XeroIdentity, fake: FakeXero) -> tuple[str, str]:
    request = identity.authorization_request(redirect_uri=REDIRECT, scopes=SCOPES)
    code = fake.consent(request.url, [Tenant("t-1", "Org One")])
    return code, request.code_verifier


def test_authorization_request_carries_state_pkce_s256_and_nonce(identity: XeroIdentity) -> None:
    request = identity.authorization_request(redirect_uri=REDIRECT, scopes=SCOPES)
    query = _query(request.url)
    assert request.url.startswith(ENDPOINTS.authorize_url + "?")
    assert query["response_type"] == "code"
    assert query["redirect_uri"] == REDIRECT
    assert query["scope"] == "openid offline_access accounting.settings"
    assert query["state"] == request.state
    assert query["nonce"] == request.nonce
    assert query["code_challenge_method"] == "S256"
    digest = hashlib.sha256(request.code_verifier.encode()).digest()
    assert query["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert "code_verifier" not in query


def test_authorization_requests_are_fresh_and_their_repr_hides_secrets(
    identity: XeroIdentity,
) -> None:
    first = identity.authorization_request(redirect_uri=REDIRECT, scopes=SCOPES)
    second = identity.authorization_request(redirect_uri=REDIRECT, scopes=SCOPES)
    assert {first.state, first.code_verifier, first.nonce}.isdisjoint(
        {second.state, second.code_verifier, second.nonce}
    )
    shown = repr(first)
    for secret in (first.state, first.code_verifier, first.nonce):
        assert secret not in shown


async def test_exchange_code_returns_a_token_set_with_the_auth_event(
    identity: XeroIdentity, fake_xero: FakeXero
) -> None:
    code, verifier = await _code(identity, fake_xero)
    tokens = await identity.exchange_code(code=code, code_verifier=verifier, redirect_uri=REDIRECT)
    consent = next(iter(fake_xero.consents.values()))
    assert tokens.authentication_event_id == consent.auth_event_id
    assert tokens.id_token
    assert tokens.refresh_token in fake_xero.refresh_tokens
    assert tokens.access_token not in repr(tokens)


async def test_a_wrong_code_verifier_is_invalid_grant(
    identity: XeroIdentity, fake_xero: FakeXero
) -> None:
    code, _ = await _code(identity, fake_xero)
    with pytest.raises(InvalidGrant):
        await identity.exchange_code(code=code, code_verifier="x" * 64, redirect_uri=REDIRECT)


async def test_a_used_code_is_invalid_grant(identity: XeroIdentity, fake_xero: FakeXero) -> None:
    code, verifier = await _code(identity, fake_xero)
    await identity.exchange_code(code=code, code_verifier=verifier, redirect_uri=REDIRECT)
    with pytest.raises(InvalidGrant) as caught:
        await identity.exchange_code(code=code, code_verifier=verifier, redirect_uri=REDIRECT)
    assert caught.value.error == "invalid_grant"
    assert code not in str(caught.value)


@pytest.mark.parametrize(
    ("failure", "error_class"),
    [
        ("invalid_grant", InvalidGrant),
        ("500", XeroUnavailable),
        ("503", XeroUnavailable),
        ("500:server_error", XeroUnavailable),
        ("401", XeroOAuthError),
        ("timeout", XeroUnavailable),
        ("429", XeroRateLimited),
    ],
)
async def test_token_endpoint_failures_are_classified(
    identity: XeroIdentity, fake_xero: FakeXero, failure: str, error_class: type[Exception]
) -> None:
    code, verifier = await _code(identity, fake_xero)
    fake_xero.fail_token = failure
    with pytest.raises(error_class):
        await identity.exchange_code(code=code, code_verifier=verifier, redirect_uri=REDIRECT)


async def test_invalid_client_is_an_oauth_error_but_not_invalid_grant(
    identity: XeroIdentity, fake_xero: FakeXero
) -> None:
    code, verifier = await _code(identity, fake_xero)
    fake_xero.fail_token = "invalid_client"
    with pytest.raises(XeroOAuthError) as caught:
        await identity.exchange_code(code=code, code_verifier=verifier, redirect_uri=REDIRECT)
    assert not isinstance(caught.value, InvalidGrant)
    assert caught.value.error == "invalid_client"


async def test_refresh_returns_a_new_refresh_token_and_the_old_one_then_fails(
    identity: XeroIdentity, fake_xero: FakeXero
) -> None:
    code, verifier = await _code(identity, fake_xero)
    first = await identity.exchange_code(code=code, code_verifier=verifier, redirect_uri=REDIRECT)
    second = await identity.refresh(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    assert second.access_token != first.access_token
    with pytest.raises(InvalidGrant):
        await identity.refresh(first.refresh_token)


async def test_revoke_succeeds_and_an_unknown_token_counts_as_revoked(
    identity: XeroIdentity, fake_xero: FakeXero
) -> None:
    code, verifier = await _code(identity, fake_xero)
    tokens = await identity.exchange_code(code=code, code_verifier=verifier, redirect_uri=REDIRECT)
    await identity.revoke(tokens.refresh_token)
    assert fake_xero.revoked_tokens == [tokens.refresh_token]
    assert fake_xero.connections == {}
    fake_xero.fail_revoke = "invalid_grant"
    await identity.revoke(tokens.refresh_token)


@pytest.mark.parametrize("failure", ["500", "timeout"])
async def test_revoke_failures_are_unavailable(
    identity: XeroIdentity, fake_xero: FakeXero, failure: str
) -> None:
    fake_xero.fail_revoke = failure
    with pytest.raises(XeroUnavailable):
        await identity.revoke("some-refresh-token")


@pytest.mark.parametrize(
    "body",
    [
        {"access_token": "a", "expires_in": 1800, "token_type": "Bearer"},
        {"access_token": "a", "refresh_token": "r", "expires_in": "soon", "token_type": "Bearer"},
    ],
    ids=["without-refresh-token", "expires-in-not-a-number"],
)
async def test_a_malformed_refresh_answer_is_unavailable(
    identity: XeroIdentity, fake_xero: FakeXero, body: dict[str, object]
) -> None:
    code, verifier = await _code(identity, fake_xero)
    tokens = await identity.exchange_code(code=code, code_verifier=verifier, redirect_uri=REDIRECT)
    fake_xero.fail_token = httpx.Response(200, json=body)
    with pytest.raises(XeroUnavailable):
        await identity.refresh(tokens.refresh_token)
