"""XeroIdentity.verify_id_token: signature against the discovery's JWKS, iss, aud, exp, nonce."""

from __future__ import annotations

import time
from typing import Any

import pytest
from joserfc.jwk import RSAKey

from tests.fake_xero import FakeXero, Tenant
from xero_connector.xero.errors import XeroUnavailable
from xero_connector.xero.identity import InvalidIdToken, XeroIdentity

REDIRECT = "https://connector.example.test/v1/callback"


async def _id_token(identity: XeroIdentity, fake: FakeXero) -> tuple[str, str]:
    """Run a consent and code exchange; return the id_token and the nonce that was asked for."""
    request = identity.authorization_request(redirect_uri=REDIRECT, scopes=["openid"])
    code = fake.consent(request.url, [Tenant("t-1", "Org One")])
    tokens = await identity.exchange_code(
        code=code, code_verifier=request.code_verifier, redirect_uri=REDIRECT
    )
    assert tokens.id_token is not None
    return tokens.id_token, request.nonce


async def test_a_good_id_token_gives_its_claims(
    identity: XeroIdentity, fake_xero: FakeXero
) -> None:
    id_token, nonce = await _id_token(identity, fake_xero)
    claims = await identity.verify_id_token(id_token, nonce=nonce)
    assert claims["xero_userid"] == fake_xero.user_id
    assert claims["nonce"] == nonce


def _changing(**changes: Any) -> Any:
    def change(claims: dict[str, Any]) -> dict[str, Any]:
        claims = {**claims, **changes}
        return {k: v for k, v in claims.items() if v is not None}

    return change


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(_changing(aud="someone-else"), id="audience"),
        pytest.param(_changing(iss="https://evil.example.test"), id="issuer"),
        pytest.param(_changing(nonce="another-nonce"), id="nonce"),
        pytest.param(_changing(nonce=None), id="nonce-missing"),
        pytest.param(_changing(exp=int(time.time()) - 3600), id="expired"),
        pytest.param(_changing(exp=None), id="exp-missing"),
    ],
)
async def test_a_wrong_claim_is_refused(
    identity: XeroIdentity, fake_xero: FakeXero, change: Any
) -> None:
    fake_xero.id_token_claims = change
    id_token, nonce = await _id_token(identity, fake_xero)
    with pytest.raises(InvalidIdToken):
        await identity.verify_id_token(id_token, nonce=nonce)


async def test_a_token_signed_by_another_key_is_refused(
    identity: XeroIdentity, fake_xero: FakeXero
) -> None:
    fake_xero.id_token_key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    id_token, nonce = await _id_token(identity, fake_xero)
    with pytest.raises(InvalidIdToken):
        await identity.verify_id_token(id_token, nonce=nonce)


async def test_a_tampered_payload_is_refused(identity: XeroIdentity, fake_xero: FakeXero) -> None:
    id_token, nonce = await _id_token(identity, fake_xero)
    header, _, signature = id_token.split(".")
    other, _ = await _id_token(identity, fake_xero)
    forged = ".".join([header, other.split(".")[1], signature])
    with pytest.raises(InvalidIdToken):
        await identity.verify_id_token(forged, nonce=nonce)


async def test_an_unsigned_token_is_refused(identity: XeroIdentity, fake_xero: FakeXero) -> None:
    id_token, nonce = await _id_token(identity, fake_xero)
    header, payload, _ = id_token.split(".")
    with pytest.raises(InvalidIdToken):
        await identity.verify_id_token(f"{header}.{payload}.", nonce=nonce)


async def test_garbage_is_refused(identity: XeroIdentity, fake_xero: FakeXero) -> None:
    with pytest.raises(InvalidIdToken):
        await identity.verify_id_token("not-a-jwt", nonce="n")


async def test_a_rotated_signing_key_is_fetched_again(
    identity: XeroIdentity, fake_xero: FakeXero
) -> None:
    id_token, nonce = await _id_token(identity, fake_xero)
    await identity.verify_id_token(id_token, nonce=nonce)  # caches the JWKS
    fake_xero.key = RSAKey.generate_key(2048, parameters={"kid": "k2"})
    id_token, nonce = await _id_token(identity, fake_xero)
    claims = await identity.verify_id_token(id_token, nonce=nonce)
    assert claims["nonce"] == nonce


async def test_an_unreachable_jwks_is_unavailable_not_invalid(
    identity: XeroIdentity, fake_xero: FakeXero
) -> None:
    id_token, nonce = await _id_token(identity, fake_xero)
    fake_xero.fail_jwks = "503"
    with pytest.raises(XeroUnavailable):
        await identity.verify_id_token(id_token, nonce=nonce)
