"""Rolling minute windows (the default), fixed ones as an option, and ``/_sandbox/limits``."""

from __future__ import annotations

import httpx

from xero_connector.sandbox.app import Sandbox
from xero_connector.sandbox.windows import FixedWindow, RollingWindow

from .conftest import CLIENT_ID, PROBE, SandboxFactory
from .flows import AU, UK


def _headers(sandbox: Sandbox, tenant: str = AU) -> dict[str, str]:
    token = sandbox.world.issue_test_token([AU, UK], client_id=CLIENT_ID)
    return {"Authorization": f"Bearer {token}", "xero-tenant-id": tenant}


async def _burst(client: httpx.AsyncClient, headers: dict[str, str], calls: int) -> int:
    admitted = 0
    for _ in range(calls):
        admitted += (await client.get(PROBE, headers=headers)).status_code == 200
    return admitted


async def test_rolling_minute_admits_no_more_than_the_limit_across_a_window_edge(
    make_sandbox: SandboxFactory,
) -> None:
    # sandbox time all but stands still (1 real second = 1 ms), so a slow machine moves nothing
    client, sandbox, _ = await make_sandbox(time_scale=0.001)
    headers = _headers(sandbox)
    assert await _burst(client, headers, 1) == 1  # the window a fixed limiter would open
    sandbox.world.clock.advance(58)
    assert await _burst(client, headers, 59) == 59  # just before that window's edge
    sandbox.world.clock.advance(3)  # past the edge: only the first call has aged out
    assert await _burst(client, headers, 60) == 1
    refused = await client.get(PROBE, headers=headers)
    assert refused.headers["x-rate-limit-problem"] == "minute"
    # until the oldest of the 59 (at 58) ages out: 57 sandbox seconds, in real seconds
    assert 56_990 <= int(refused.headers["retry-after"]) <= 57_000


async def test_fixed_windows_admit_twice_the_limit_at_an_edge_when_asked_for(
    make_sandbox: SandboxFactory,
) -> None:
    client, sandbox, _ = await make_sandbox(limit_windows="fixed", time_scale=0.001)
    headers = _headers(sandbox)
    assert await _burst(client, headers, 1) == 1
    sandbox.world.clock.advance(58)
    assert await _burst(client, headers, 59) == 59
    sandbox.world.clock.advance(3)
    assert await _burst(client, headers, 60) == 60  # 119 calls within 5 seconds
    assert sandbox.limiter.snapshot()["windows"] == "fixed"


def test_a_rolling_window_waits_for_the_oldest_call_over_the_limit() -> None:
    window = RollingWindow(60.0)
    for moment in (0.0, 10.0, 20.0):
        window.add(moment)
    window.refresh(30.0)
    assert (window.count, window.wait(30.0, 3), window.wait(30.0, 2)) == (3, 30.0, 40.0)
    window.refresh(60.0)
    assert window.count == 2
    fixed = FixedWindow(60.0)
    fixed.refresh(5.0)
    fixed.add(5.0)
    assert fixed.wait(30.0, 1) == 35.0


async def test_limits_control_lowers_the_remaining_counts_behind_the_clients_back(
    make_sandbox: SandboxFactory,
) -> None:
    client, sandbox, _ = await make_sandbox()
    headers = _headers(sandbox)
    first = await client.get(PROBE, headers=headers)
    assert first.headers["x-minlimit-remaining"] == "59"
    set_to = await client.post(
        "/_sandbox/limits", json={"tenant": AU, "minute_remaining": 2, "day_remaining": 100}
    )
    assert set_to.json()["remaining"][CLIENT_ID] == {"minute": 2, "day": 100}
    after = await client.get(PROBE, headers=headers)
    assert (after.headers["x-minlimit-remaining"], after.headers["x-daylimit-remaining"]) == (
        "1",
        "99",
    )
    await client.get(PROBE, headers=headers)
    assert (await client.get(PROBE, headers=headers)).status_code == 429
    other = await client.get(PROBE, headers=_headers(sandbox, UK))
    assert other.headers["x-minlimit-remaining"] == "59"
    sandbox.world.clock.advance(60)  # the calls "used behind its back" age out like real ones
    assert (await client.get(PROBE, headers=headers)).status_code == 200
    read = (await client.get("/_sandbox/limits")).json()
    assert (read["tenant_per_minute"], read["windows"]) == (60, "rolling")


async def test_limits_control_refuses_an_unknown_tenant_and_bad_counts(
    make_sandbox: SandboxFactory,
) -> None:
    client, _, _ = await make_sandbox()
    unknown = await client.post("/_sandbox/limits", json={"tenant": "x", "minute_remaining": 1})
    negative = await client.post("/_sandbox/limits", json={"tenant": AU, "minute_remaining": -1})
    assert (unknown.status_code, negative.status_code) == (404, 422)
