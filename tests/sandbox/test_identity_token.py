"""``/connect/token`` with ``authorization_code``: codes, PKCE, client authentication, JWTs."""

from __future__ import annotations

from typing import Any

from joserfc import jwt
from joserfc.jwk import KeySet

from .conftest import BASE_URL, CLIENT_ID, CLIENT_SECRET, OTHER_CLIENT_ID, SandboxFactory
from .flows import Pkce, authorize_params, basic, consent, exchange, query


async def _code(client: Any, pkce: Pkce | None = None, **overrides: str) -> tuple[str, str]:
    params = authorize_params(pkce, **overrides)
    done = await consent(client, params=params)
    return query(done.headers["location"])["code"], params["nonce"]


async def test_code_exchange_answers_a_full_token_set(make_sandbox: SandboxFactory) -> None:
    client, sandbox, _ = await make_sandbox()
    pkce = Pkce.make()
    code, _ = await _code(client, pkce)
    answer = await exchange(client, code, pkce)
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 1800
    assert {"access_token", "refresh_token", "id_token", "scope"} <= body.keys()
    assert answer.headers["cache-control"] == "no-store"
    assert body["access_token"] in sandbox.world.access_tokens
    assert sandbox.world.stats.token_calls["authorization_code"] == 1


async def test_id_and_access_tokens_verify_against_the_published_jwks(
    make_sandbox: SandboxFactory,
) -> None:
    client, sandbox, _ = await make_sandbox()
    pkce = Pkce.make()
    code, nonce = await _code(client, pkce)
    body = (await exchange(client, code, pkce)).json()
    discovery = (await client.get("/.well-known/openid-configuration")).json()
    keys = KeySet.import_key_set((await client.get(discovery["jwks_uri"])).json())
    id_token = jwt.decode(body["id_token"], keys, algorithms=["RS256"])
    assert id_token.header["alg"] == "RS256"
    claims = id_token.claims
    assert claims["iss"] == discovery["issuer"] == BASE_URL
    assert claims["aud"] == CLIENT_ID
    assert claims["nonce"] == nonce
    assert claims["email"] == "alice@sandbox.test"
    assert claims["given_name"] == "Alice"
    assert claims["family_name"] == "Able"
    assert claims["xero_userid"]
    assert claims["sub"]
    assert claims["exp"] > claims["iat"]
    access = jwt.decode(body["access_token"], keys, algorithms=["RS256"]).claims
    [connection] = sandbox.identity.store.connections.values()
    assert access["authentication_event_id"] == connection.auth_event_id
    assert access["client_id"] == CLIENT_ID
    assert access["xero_userid"] == claims["xero_userid"]
    assert access["exp"] - access["nbf"] == 1800


async def test_a_code_works_once(make_sandbox: SandboxFactory) -> None:
    client, sandbox, _ = await make_sandbox()
    code, _ = await _code(client)
    assert (await exchange(client, code)).status_code == 200
    again = await exchange(client, code)
    assert again.status_code == 400
    assert again.json() == {"error": "invalid_grant"}
    [grant_id] = sandbox.identity.store.grants
    assert sandbox.world.stats.invalid_grant[grant_id] == 1


async def test_a_code_expires(make_sandbox: SandboxFactory) -> None:
    client, sandbox, _ = await make_sandbox(code_seconds=300)
    code, _ = await _code(client)
    sandbox.world.clock.advance(301)
    late = await exchange(client, code)
    assert late.status_code == 400
    assert late.json() == {"error": "invalid_grant"}


async def test_pkce_verifier_must_match_the_challenge(make_sandbox: SandboxFactory) -> None:
    client, _, _ = await make_sandbox()
    pkce = Pkce.make()
    code, _ = await _code(client, pkce)
    wrong = await exchange(client, code, Pkce.make())
    assert wrong.status_code == 400
    assert wrong.json() == {"error": "invalid_grant"}
    code, _ = await _code(client, pkce)
    missing = await exchange(client, code)
    assert missing.json() == {"error": "invalid_grant"}


async def test_redirect_uri_must_match_the_authorize_request(
    make_sandbox: SandboxFactory,
) -> None:
    client, _, _ = await make_sandbox()
    code, _ = await _code(client)
    answer = await exchange(client, code, redirect_uri="http://app.test/other")
    assert answer.json() == {"error": "invalid_grant"}


async def test_bad_client_credentials_answer_invalid_client(make_sandbox: SandboxFactory) -> None:
    client, _, _ = await make_sandbox()
    code, _ = await _code(client)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": "x"}
    for headers in (basic(CLIENT_ID, "wrong"), basic("stranger", "x"), {}):
        answer = await client.post("/connect/token", data=form, headers=headers)
        assert answer.status_code == 400
        assert answer.json() == {"error": "invalid_client"}
    garbled = await client.post("/connect/token", data=form, headers={"Authorization": "Basic !"})
    assert garbled.json() == {"error": "invalid_client"}


async def test_another_clients_code_is_refused(make_sandbox: SandboxFactory) -> None:
    client, _, _ = await make_sandbox()
    code, _ = await _code(client)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": "x"}
    answer = await client.post(
        "/connect/token", data=form, headers=basic(OTHER_CLIENT_ID, "other-secret")
    )
    assert answer.json() == {"error": "invalid_grant"}


async def test_client_credentials_may_come_in_the_form_body(make_sandbox: SandboxFactory) -> None:
    client, _, _ = await make_sandbox()
    code, _ = await _code(client)
    answer = await client.post(
        "/connect/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": authorize_params()["redirect_uri"],
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
    )
    assert answer.status_code == 200


async def test_unknown_grant_type_is_refused(make_sandbox: SandboxFactory) -> None:
    client, sandbox, _ = await make_sandbox()
    answer = await client.post(
        "/connect/token", data={"grant_type": "client_credentials"}, headers=basic()
    )
    assert answer.status_code == 400
    assert answer.json() == {"error": "unsupported_grant_type"}
    assert sandbox.world.stats.token_errors["unsupported_grant_type"] == 1


async def test_without_offline_access_there_is_no_refresh_token(
    make_sandbox: SandboxFactory,
) -> None:
    client, _, _ = await make_sandbox()
    code, _ = await _code(client, scope="openid email accounting.settings")
    body = (await exchange(client, code)).json()
    assert "refresh_token" not in body
    assert "id_token" in body


async def test_userinfo_answers_the_signed_in_user(make_sandbox: SandboxFactory) -> None:
    client, _, _ = await make_sandbox()
    code, _ = await _code(client)
    token = (await exchange(client, code)).json()["access_token"]
    info = await client.get("/connect/userinfo", headers={"Authorization": f"Bearer {token}"})
    assert info.json()["email"] == "alice@sandbox.test"
    assert (await client.get("/connect/userinfo")).status_code == 401
