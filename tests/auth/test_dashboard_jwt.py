"""Dashboard JWT verification: HS256 secret or JWKS (fetched, cached, refetched on a new kid)."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
import respx
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from xero_connector.auth.dashboard_jwt import DashboardJwtVerifier, InvalidJwt, JwksCache
from xero_connector.errors import ConfigurationError

JWKS_URL = "https://platform.example/.well-known/jwks.json"


def claims(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"workspace_id": "ws-1", "sub": "u1", "exp": int(time.time()) + 60}
    base.update(overrides)
    return base


def rsa_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256", "use": "sig"})


def sign(key: RSAKey, **overrides: Any) -> str:
    return jwt.encode({"alg": "RS256", "kid": key.kid}, claims(**overrides), key)


def jwks(*keys: RSAKey) -> dict[str, Any]:
    return dict(KeySet(list(keys)).as_dict(private=False))


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="XERO_CONNECTOR_JWT_SECRET"):
        DashboardJwtVerifier(secret="too-short")


@respx.mock
async def test_jwks_tokens_verify_and_the_key_set_is_cached() -> None:
    key = rsa_key("k1")
    route = respx.get(JWKS_URL).mock(return_value=httpx.Response(200, json=jwks(key)))
    async with httpx.AsyncClient() as http:
        verifier = DashboardJwtVerifier(jwks=JwksCache(JWKS_URL, http))
        for _ in range(3):
            result = await verifier.verify(sign(key))
            assert (result.workspace_id, result.subject) == ("ws-1", "u1")
    assert route.call_count == 1


@respx.mock
async def test_a_new_kid_triggers_one_refetch() -> None:
    old, new = rsa_key("old"), rsa_key("new")
    route = respx.get(JWKS_URL).mock(
        side_effect=[httpx.Response(200, json=jwks(old)), httpx.Response(200, json=jwks(old, new))]
    )
    async with httpx.AsyncClient() as http:
        verifier = DashboardJwtVerifier(jwks=JwksCache(JWKS_URL, http, min_refetch_seconds=0))
        await verifier.verify(sign(old))
        assert (await verifier.verify(sign(new))).workspace_id == "ws-1"
    assert route.call_count == 2


@respx.mock
async def test_an_hs256_token_is_refused_when_keys_come_from_a_jwks() -> None:
    key = rsa_key("k1")
    respx.get(JWKS_URL).mock(return_value=httpx.Response(200, json=jwks(key)))
    forged = jwt.encode({"alg": "HS256", "kid": "k1"}, claims(), OctKey.import_key(b"x" * 32))
    async with httpx.AsyncClient() as http:
        verifier = DashboardJwtVerifier(jwks=JwksCache(JWKS_URL, http))
        with pytest.raises(InvalidJwt):
            await verifier.verify(forged)


@respx.mock
async def test_an_unreachable_jwks_rejects_the_token() -> None:
    respx.get(JWKS_URL).mock(return_value=httpx.Response(503))
    async with httpx.AsyncClient() as http:
        verifier = DashboardJwtVerifier(jwks=JwksCache(JWKS_URL, http))
        with pytest.raises(InvalidJwt):
            await verifier.verify(sign(rsa_key("k1")))


async def test_a_custom_workspace_claim_is_read() -> None:
    secret = "s" * 40
    verifier = DashboardJwtVerifier(secret=secret, workspace_claim="org")
    token = jwt.encode({"alg": "HS256"}, claims(org="org-5"), OctKey.import_key(secret.encode()))
    assert (await verifier.verify(token)).workspace_id == "org-5"
