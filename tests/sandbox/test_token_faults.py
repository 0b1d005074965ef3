"""Faults of refresh calls at ``/connect/token``: dropped answers and 5xx, scripted or drawn."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from .conftest import PROBE, SandboxFactory
from .flows import AU, bearer, connect, refresh


async def _script(client: httpx.AsyncClient, *faults: str) -> dict[str, Any]:
    answer = await client.post("/_sandbox/faults", json={"next_refresh": list(faults)})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def _lost(client: httpx.AsyncClient, refresh_token: str) -> None:
    """Send a refresh whose answer the sandbox withholds; the client gives up waiting."""
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(refresh(client, refresh_token), timeout=0.2)


async def test_a_dropped_refresh_rotates_the_token_but_never_answers(
    make_sandbox: SandboxFactory,
) -> None:
    client, sandbox, _ = await make_sandbox(grace_seconds=0)
    tokens = await connect(client)
    await _script(client, "drop")
    await _lost(client, tokens["refresh_token"])
    [grant_id] = sandbox.identity.store.grants
    stats = sandbox.world.stats
    assert stats.rotations[grant_id] == 1
    assert stats.faults == {"token_drop": 1}
    assert stats.token_calls["refresh_token"] == 1
    # with no grace, the rotation that happened makes the old token unusable
    again = await refresh(client, tokens["refresh_token"])
    assert again.status_code == 400
    assert again.json() == {"error": "invalid_grant"}


async def test_inside_the_grace_the_same_token_recovers_a_dropped_refresh(
    make_sandbox: SandboxFactory,
) -> None:
    client, sandbox, _ = await make_sandbox(grace_seconds=1800)
    tokens = await connect(client)
    await _script(client, "drop")
    await _lost(client, tokens["refresh_token"])
    retry = await refresh(client, tokens["refresh_token"])
    assert retry.status_code == 200
    recovered = retry.json()
    assert recovered["refresh_token"] != tokens["refresh_token"]
    [grant_id] = sandbox.identity.store.grants
    assert sandbox.world.stats.grace_reuses[grant_id] == 1
    assert sandbox.world.stats.invalid_grant == {}
    api = await client.get(
        PROBE, headers={**bearer(recovered["access_token"]), "xero-tenant-id": AU}
    )
    assert api.status_code == 200


async def test_a_5xx_refresh_applies_nothing(make_sandbox: SandboxFactory) -> None:
    client, sandbox, _ = await make_sandbox(grace_seconds=0)
    tokens = await connect(client)
    await _script(client, "503", "500")
    first = await refresh(client, tokens["refresh_token"])
    second = await refresh(client, tokens["refresh_token"])
    assert (first.status_code, second.status_code) == (503, 500)
    assert first.headers["content-type"].startswith("text/plain")
    assert sandbox.world.stats.rotations == {}
    # grace 0, yet the token still works: the failed calls never used it
    third = await refresh(client, tokens["refresh_token"])
    assert third.status_code == 200
    assert sandbox.world.stats.faults == {"token_503": 1, "token_500": 1}
    assert sandbox.world.stats.token_calls["refresh_token"] == 3
    assert sandbox.world.stats.invalid_grant == {}


async def test_scripted_faults_skip_code_exchanges_and_are_used_up_in_order(
    make_sandbox: SandboxFactory,
) -> None:
    client, _, _ = await make_sandbox(grace_seconds=1800)
    state = await _script(client, "500", "drop")
    assert state["next_refresh"] == ["500", "drop"]
    tokens = await connect(client)  # a code exchange: not faulted, script untouched
    assert (await client.get("/_sandbox/faults")).json()["next_refresh"] == ["500", "drop"]
    assert (await refresh(client, tokens["refresh_token"])).status_code == 500
    assert (await client.get("/_sandbox/faults")).json()["next_refresh"] == ["drop"]
    await _lost(client, tokens["refresh_token"])
    assert (await client.get("/_sandbox/faults")).json()["next_refresh"] == []
    assert (await refresh(client, tokens["refresh_token"])).status_code == 200


async def test_clearing_and_reset_drop_pending_scripted_faults(
    make_sandbox: SandboxFactory,
) -> None:
    client, _, _ = await make_sandbox()
    await _script(client, "drop", "drop")
    assert (await client.delete("/_sandbox/faults")).json()["next_refresh"] == []
    await _script(client, "503")
    await client.post("/_sandbox/reset")
    tokens = await connect(client)
    assert (await refresh(client, tokens["refresh_token"])).status_code == 200


async def test_a_dropped_refresh_ends_in_504_after_hang_seconds(
    make_sandbox: SandboxFactory,
) -> None:
    client, sandbox, _ = await make_sandbox(hang_seconds=0.1)
    tokens = await connect(client)
    await _script(client, "drop")
    answer = await refresh(client, tokens["refresh_token"])
    assert answer.status_code == 504
    assert sum(sandbox.world.stats.rotations.values()) == 1


async def test_token_shares_fail_refreshes_and_leave_the_api_alone(
    make_sandbox: SandboxFactory,
) -> None:
    client, sandbox, probe = await make_sandbox(fault_token_5xx=1.0)
    tokens = await connect(client)
    answers = [(await refresh(client, tokens["refresh_token"])).status_code for _ in range(10)]
    assert set(answers) == {500, 503}
    headers = {**bearer(tokens["access_token"]), "xero-tenant-id": AU}
    assert (await client.post(PROBE, headers=headers)).status_code == 200
    assert probe.applied == 1
    assert set(sandbox.world.stats.faults) == {"token_500", "token_503"}


async def test_api_shares_leave_refreshes_alone(make_sandbox: SandboxFactory) -> None:
    client, sandbox, _ = await make_sandbox(fault_5xx=1.0, fault_hang=0.0)
    tokens = await connect(client)
    assert (await refresh(client, tokens["refresh_token"])).status_code == 200
    assert sandbox.world.stats.faults == {}


async def test_the_seed_replays_the_token_fault_sequence(make_sandbox: SandboxFactory) -> None:
    runs = []
    for seed in (3, 3, 4):
        client, _, _ = await make_sandbox(fault_token_5xx=0.5, grace_seconds=0, seed=seed)
        token = (await connect(client))["refresh_token"]
        statuses = []
        for _ in range(16):
            answer = await refresh(client, token)
            statuses.append(answer.status_code)
            if answer.status_code == 200:
                token = answer.json()["refresh_token"]
        runs.append(statuses)
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
    assert {200, 500, 503} <= set(runs[0]) | set(runs[2])


async def test_shares_can_be_changed_while_running(make_sandbox: SandboxFactory) -> None:
    client, sandbox, _ = await make_sandbox()
    tokens = await connect(client)
    changed = await client.post("/_sandbox/faults", json={"fault_token_5xx": 1.0})
    assert changed.json()["fault_token_5xx"] == 1.0
    assert (await refresh(client, tokens["refresh_token"])).status_code in (500, 503)
    await client.post("/_sandbox/faults", json={"fault_token_5xx": 0})
    assert (await refresh(client, tokens["refresh_token"])).status_code == 200
    state = (await client.get("/_sandbox/state")).json()
    assert state["config"]["faults"]["fault_token_5xx"] == 0
    assert sandbox.world.config.fault_token_5xx == 0


@pytest.mark.parametrize(
    "body",
    [
        {"next_refresh": ["explode"]},
        {"fault_token_drop": 1.5},
        {"latency_ms": -1},
        {"fault_tokens": 0.1},
    ],
)
async def test_a_bad_fault_change_is_refused(
    make_sandbox: SandboxFactory, body: dict[str, Any]
) -> None:
    client, sandbox, _ = await make_sandbox()
    answer = await client.post("/_sandbox/faults", json=body)
    assert answer.status_code == 422
    assert list(sandbox.world.next_refresh_faults) == []
    assert sandbox.world.config.fault_token_drop == 0
