"""``/_sandbox/``: stats, state, reset, disconnect from inside Xero, clock."""

from __future__ import annotations

import json

from .conftest import CLIENT_ID, CLIENT_SECRET, PROBE, SandboxFactory
from .flows import AU, UK, bearer, connect, refresh


async def test_stats_report_calls_tokens_and_limits(make_sandbox: SandboxFactory) -> None:
    client, _, _ = await make_sandbox(tenant_per_minute=1)
    tokens = await connect(client)
    headers = {**bearer(tokens["access_token"]), "xero-tenant-id": AU}
    await client.get(PROBE, headers=headers)
    await client.get(PROBE, headers=headers)
    await refresh(client, tokens["refresh_token"])
    await refresh(client, tokens["refresh_token"])
    stats = (await client.get("/_sandbox/stats")).json()
    assert stats["calls"] == {"GET /api.xro/2.0/_probe": 2}
    assert stats["breaches"] == {"minute": 1}
    assert stats["breaches_total"] == 1
    assert stats["token_calls"] == {"authorization_code": 1, "refresh_token": 2}
    assert list(stats["rotations"].values()) == [1]
    assert list(stats["invalid_grant"].values()) == [1]
    assert stats["schema_violations"] == 0
    assert stats["limits"]["minute"] == {CLIENT_ID: {AU: 1}}
    assert "objects" in stats


async def test_state_describes_grants_and_connections_without_secrets(
    make_sandbox: SandboxFactory,
) -> None:
    client, _, _ = await make_sandbox()
    tokens = await connect(client, "carol@sandbox.test", [AU, UK])
    answer = await client.get("/_sandbox/state")
    state = answer.json()
    assert [g["user"] for g in state["grants"]] == ["carol@sandbox.test"]
    assert {c["tenantId"] for c in state["connections"]} == {AU, UK}
    assert len(state["organisations"]) == 3
    text = answer.text
    for secret in (tokens["access_token"], tokens["refresh_token"], CLIENT_SECRET, "password"):
        assert secret not in text
    assert json.loads(text)["config"]["clients"] == ["other-client", "test-client"]
    unknown = await client.get("/_sandbox/state", params={"tenant": "nope"})
    assert unknown.status_code == 404


async def test_reset_forgets_everything_but_the_seed(make_sandbox: SandboxFactory) -> None:
    client, sandbox, _ = await make_sandbox()
    tokens = await connect(client)
    first_ids = list(sandbox.identity.store.connections)
    assert (await client.post("/_sandbox/reset")).json() == {"reset": True}
    state = (await client.get("/_sandbox/state")).json()
    assert state["grants"] == []
    assert state["connections"] == []
    assert state["access_tokens"] == 0
    assert (await client.get("/_sandbox/stats")).json()["token_calls"] == {}
    assert (await refresh(client, tokens["refresh_token"])).json() == {"error": "invalid_grant"}
    await connect(client)
    assert list(sandbox.identity.store.connections) == first_ids  # the seeded ids start over


async def test_disconnect_from_inside_xero(make_sandbox: SandboxFactory) -> None:
    client, _, _ = await make_sandbox()
    tokens = await connect(client, "carol@sandbox.test", [AU, UK])
    alice = await connect(client, "alice@sandbox.test", [AU])
    answer = await client.post("/_sandbox/disconnect", params={"tenant": AU})
    assert answer.json() == {"tenant": AU, "connections_removed": 2}
    headers = bearer(tokens["access_token"])
    denied = await client.get(PROBE, headers={**headers, "xero-tenant-id": AU})
    assert denied.status_code == 403
    assert denied.json()["Detail"] == "AuthenticationUnsuccessful"
    alices = await client.get(
        PROBE, headers={**bearer(alice["access_token"]), "xero-tenant-id": AU}
    )
    assert alices.status_code == 403
    listed = (await client.get("/connections", headers=headers)).json()
    assert [c["tenantId"] for c in listed] == [UK]
    assert (await client.get(PROBE, headers={**headers, "xero-tenant-id": UK})).status_code == 200
    assert (await refresh(client, tokens["refresh_token"])).status_code == 200  # as in Xero
    assert (await client.post("/_sandbox/disconnect", params={"tenant": "x"})).status_code == 404


async def test_disconnect_also_reaches_directly_issued_tokens(
    make_sandbox: SandboxFactory,
) -> None:
    client, sandbox, _ = await make_sandbox()
    token = sandbox.world.issue_test_token([AU])
    await client.post("/_sandbox/disconnect", params={"tenant": AU})
    denied = await client.get(PROBE, headers={**bearer(token), "xero-tenant-id": AU})
    assert denied.status_code == 403


async def test_the_clock_can_be_advanced(make_sandbox: SandboxFactory) -> None:
    client, sandbox, _ = await make_sandbox()
    before = sandbox.world.clock.now()
    answer = await client.post("/_sandbox/clock/advance", params={"seconds": 3600})
    assert answer.json()["now"] >= before + 3600
