"""Refresh-token rotation, the grace period, and what invalid_grant looks like."""

from __future__ import annotations

from .conftest import OTHER_CLIENT_ID, OTHER_CLIENT_SECRET, SandboxFactory
from .flows import basic, connect, refresh


async def test_each_refresh_returns_a_new_refresh_token(make_sandbox: SandboxFactory) -> None:
    client, sandbox, _ = await make_sandbox()
    first = await connect(client)
    answer = await refresh(client, first["refresh_token"])
    assert answer.status_code == 200
    second = answer.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert "id_token" not in second
    assert second["access_token"] in sandbox.world.access_tokens
    [grant_id] = sandbox.identity.store.grants
    assert sandbox.world.stats.rotations[grant_id] == 1
    assert sandbox.world.stats.token_calls["refresh_token"] == 1


async def test_with_no_grace_a_used_refresh_token_is_invalid_grant(
    make_sandbox: SandboxFactory,
) -> None:
    client, sandbox, _ = await make_sandbox(grace_seconds=0)
    tokens = await connect(client)
    assert (await refresh(client, tokens["refresh_token"])).status_code == 200
    again = await refresh(client, tokens["refresh_token"])
    assert again.status_code == 400
    assert again.json() == {"error": "invalid_grant"}
    [grant_id] = sandbox.identity.store.grants
    assert sandbox.world.stats.invalid_grant[grant_id] == 1


async def test_within_the_grace_a_used_refresh_token_yields_a_new_set(
    make_sandbox: SandboxFactory,
) -> None:
    client, sandbox, _ = await make_sandbox(grace_seconds=1800)
    tokens = await connect(client)
    lost = (await refresh(client, tokens["refresh_token"])).json()
    sandbox.world.clock.advance(1700)
    retry = await refresh(client, tokens["refresh_token"])
    assert retry.status_code == 200
    recovered = retry.json()
    assert recovered["refresh_token"] not in (lost["refresh_token"], tokens["refresh_token"])
    [grant_id] = sandbox.identity.store.grants
    assert sandbox.world.stats.grace_reuses[grant_id] == 1
    assert sandbox.world.stats.rotations[grant_id] == 2
    assert (await refresh(client, recovered["refresh_token"])).status_code == 200


async def test_after_the_grace_a_used_refresh_token_is_invalid_grant(
    make_sandbox: SandboxFactory,
) -> None:
    client, sandbox, _ = await make_sandbox(grace_seconds=1800)
    tokens = await connect(client)
    await refresh(client, tokens["refresh_token"])
    sandbox.world.clock.advance(1801)
    late = await refresh(client, tokens["refresh_token"])
    assert late.status_code == 400
    assert late.json() == {"error": "invalid_grant"}


async def test_an_unused_refresh_token_expires_after_sixty_days(
    make_sandbox: SandboxFactory,
) -> None:
    client, sandbox, _ = await make_sandbox()
    tokens = await connect(client)
    sandbox.world.clock.advance(60 * 86400 + 1)
    assert (await refresh(client, tokens["refresh_token"])).json() == {"error": "invalid_grant"}


async def test_unknown_refresh_tokens_are_counted_as_unknown(make_sandbox: SandboxFactory) -> None:
    client, sandbox, _ = await make_sandbox()
    answer = await refresh(client, "not-a-token")
    assert answer.json() == {"error": "invalid_grant"}
    assert sandbox.world.stats.invalid_grant["unknown"] == 1


async def test_another_clients_refresh_token_is_refused(make_sandbox: SandboxFactory) -> None:
    client, _, _ = await make_sandbox()
    tokens = await connect(client)
    other = basic(OTHER_CLIENT_ID, OTHER_CLIENT_SECRET)
    assert (await refresh(client, tokens["refresh_token"], other)).json() == {
        "error": "invalid_grant"
    }


async def test_access_tokens_expire_in_sandbox_time(make_sandbox: SandboxFactory) -> None:
    client, sandbox, _ = await make_sandbox()
    tokens = await connect(client)
    record = sandbox.world.access_tokens[tokens["access_token"]]
    assert record.expires_at - sandbox.world.clock.now() <= 1800
    sandbox.world.clock.advance(1801)
    answer = await client.get(
        "/connections", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert answer.status_code == 401
    assert answer.json()["Detail"].startswith("TokenExpired")
