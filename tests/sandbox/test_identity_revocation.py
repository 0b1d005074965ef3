"""``/connect/revocation``: the consent's refresh tokens die and its connections go."""

from __future__ import annotations

from .conftest import OTHER_CLIENT_ID, OTHER_CLIENT_SECRET, PROBE, SandboxFactory
from .flows import AU, UK, basic, bearer, connect, refresh


async def test_revocation_kills_refresh_tokens_and_removes_connections(
    make_sandbox: SandboxFactory,
) -> None:
    client, _, _ = await make_sandbox(grace_seconds=1800)
    tokens = await connect(client, "carol@sandbox.test", [AU, UK])
    rotated = (await refresh(client, tokens["refresh_token"])).json()
    answer = await client.post(
        "/connect/revocation", data={"token": rotated["refresh_token"]}, headers=basic()
    )
    assert answer.status_code == 200
    listed = await client.get("/connections", headers=bearer(rotated["access_token"]))
    assert listed.json() == []
    for token in (tokens["refresh_token"], rotated["refresh_token"]):
        assert (await refresh(client, token)).json() == {"error": "invalid_grant"}
    probe = await client.get(
        PROBE, headers={**bearer(rotated["access_token"]), "xero-tenant-id": AU}
    )
    assert probe.status_code == 403


async def test_revoking_an_old_consent_removes_a_reconsented_connection_too(
    make_sandbox: SandboxFactory,
) -> None:
    client, _, _ = await make_sandbox()
    old = await connect(client, "carol@sandbox.test", [AU])
    new = await connect(client, "carol@sandbox.test", [AU])
    await client.post("/connect/revocation", data={"token": old["refresh_token"]}, headers=basic())
    listed = await client.get("/connections", headers=bearer(new["access_token"]))
    assert listed.json() == []
    assert (await refresh(client, new["refresh_token"])).status_code == 200


async def test_revoking_an_unknown_token_is_fine(make_sandbox: SandboxFactory) -> None:
    client, _, _ = await make_sandbox()
    answer = await client.post("/connect/revocation", data={"token": "nope"}, headers=basic())
    assert answer.status_code == 200


async def test_revocation_needs_the_owning_client(make_sandbox: SandboxFactory) -> None:
    client, _, _ = await make_sandbox()
    tokens = await connect(client)
    wrong_secret = await client.post(
        "/connect/revocation",
        data={"token": tokens["refresh_token"]},
        headers=basic(secret="wrong"),
    )
    assert wrong_secret.status_code == 400
    assert wrong_secret.json() == {"error": "invalid_client"}
    other = await client.post(
        "/connect/revocation",
        data={"token": tokens["refresh_token"]},
        headers=basic(OTHER_CLIENT_ID, OTHER_CLIENT_SECRET),
    )
    assert other.status_code == 400
    assert (await refresh(client, tokens["refresh_token"])).status_code == 200
