"""Injected faults: latency, 500/503, hangs and dropped write answers, all seeded and counted."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from .conftest import PROBE, SandboxFactory
from .flows import AU, bearer, connect


async def _headers(client: httpx.AsyncClient) -> dict[str, str]:
    tokens = await connect(client)
    return {**bearer(tokens["access_token"]), "xero-tenant-id": AU}


async def test_latency_delays_api_calls(make_sandbox: SandboxFactory) -> None:
    client, _, probe = await make_sandbox(latency_ms=80)
    headers = await _headers(client)
    started = time.monotonic()
    answer = await client.get(PROBE, headers=headers)
    assert answer.status_code == 200
    assert time.monotonic() - started >= 0.07
    assert probe.applied == 1


async def test_5xx_faults_answer_500_or_503_without_applying(
    make_sandbox: SandboxFactory,
) -> None:
    client, sandbox, probe = await make_sandbox(fault_5xx=1.0)
    headers = await _headers(client)
    answers = [await client.post(PROBE, headers=headers) for _ in range(12)]
    statuses = {a.status_code for a in answers}
    assert statuses == {500, 503}
    assert all(a.json()["Status"] == a.status_code for a in answers)
    assert "x-minlimit-remaining" in answers[0].headers  # limits still saw the call
    assert probe.applied == 0
    assert sandbox.world.stats.faults["500"] + sandbox.world.stats.faults["503"] == 12


async def test_a_hang_holds_the_call_until_the_client_gives_up(
    make_sandbox: SandboxFactory,
) -> None:
    client, sandbox, probe = await make_sandbox(fault_hang=1.0)
    headers = await _headers(client)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(client.get(PROBE, headers=headers), timeout=0.2)
    assert probe.entered == 0
    assert sandbox.world.stats.faults == {"hang": 1}
    assert sandbox.limiter.in_flight == {}  # cancelled, so its slot is free again


async def test_a_hang_ends_in_504_after_hang_seconds(make_sandbox: SandboxFactory) -> None:
    client, _, _ = await make_sandbox(fault_hang=1.0, hang_seconds=0.1)
    answer = await client.get(PROBE, headers=await _headers(client))
    assert answer.status_code == 504


async def test_a_dropped_write_is_applied_but_never_answered(
    make_sandbox: SandboxFactory,
) -> None:
    client, sandbox, probe = await make_sandbox(fault_drop=1.0)
    headers = await _headers(client)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(client.post(PROBE, headers=headers), timeout=0.2)
    assert probe.applied == 1
    assert probe.seen == ["POST"]
    assert sandbox.world.stats.faults == {"drop": 1}
    assert sandbox.limiter.in_flight == {}


async def test_reads_are_never_dropped(make_sandbox: SandboxFactory) -> None:
    client, sandbox, _ = await make_sandbox(fault_drop=1.0)
    answer = await client.get(PROBE, headers=await _headers(client))
    assert answer.status_code == 200
    assert sandbox.world.stats.faults == {}


async def test_the_seed_replays_the_same_fault_sequence(make_sandbox: SandboxFactory) -> None:
    runs = []
    for seed in (7, 7, 8):
        client, _, _ = await make_sandbox(fault_5xx=0.5, seed=seed)
        headers = await _headers(client)
        runs.append([(await client.get(PROBE, headers=headers)).status_code for _ in range(24)])
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
    assert {200, 500, 503} <= set(runs[0]) | set(runs[2])


async def test_faults_leave_identity_paths_alone(make_sandbox: SandboxFactory) -> None:
    client, _, _ = await make_sandbox(fault_5xx=1.0, fault_hang=0.0)
    assert (await client.get("/.well-known/openid-configuration")).status_code == 200


async def test_scripted_write_faults_are_used_up_in_order_by_writes_only(
    make_sandbox: SandboxFactory,
) -> None:
    client, sandbox, probe = await make_sandbox()
    headers = await _headers(client)
    scripted = await client.post("/_sandbox/faults", json={"next_write": ["503", "drop"]})
    assert scripted.json()["next_write"] == ["503", "drop"]
    assert (await client.get(PROBE, headers=headers)).status_code == 200  # reads skip the script
    assert (await client.post(PROBE, headers=headers)).status_code == 503
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(client.post(PROBE, headers=headers), timeout=0.2)
    assert (await client.post(PROBE, headers=headers)).status_code == 200
    assert probe.applied == 3  # the read, the dropped write and the last one
    assert sandbox.world.stats.faults == {"503": 1, "drop": 1}
    assert (await client.get("/_sandbox/faults")).json()["next_write"] == []


async def test_clearing_drops_pending_scripted_write_faults(make_sandbox: SandboxFactory) -> None:
    client, _, _ = await make_sandbox()
    headers = await _headers(client)
    await client.post("/_sandbox/faults", json={"next_write": ["500"]})
    assert (await client.delete("/_sandbox/faults")).json()["next_write"] == []
    assert (await client.post(PROBE, headers=headers)).status_code == 200
