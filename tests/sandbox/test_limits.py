"""Rate limits on ``/api.xro/2.0``: headers, concurrency, minute, day, app-wide, breach counts."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from xero_connector.sandbox.app import Sandbox

from .conftest import CLIENT_ID, PROBE, SandboxFactory
from .flows import AU, UK, bearer, connect


async def _carol(client: httpx.AsyncClient) -> dict[str, str]:
    tokens: dict[str, Any] = await connect(client, "carol@sandbox.test", [AU, UK])
    return bearer(tokens["access_token"])


async def test_every_call_carries_the_remaining_counts(make_sandbox: SandboxFactory) -> None:
    client, sandbox, _ = await make_sandbox()
    headers = {**await _carol(client), "xero-tenant-id": AU}
    first = await client.get(PROBE, headers=headers)
    second = await client.get(PROBE, headers=headers)
    assert first.headers["x-minlimit-remaining"] == "59"
    assert first.headers["x-daylimit-remaining"] == "4999"
    assert first.headers["x-appminlimit-remaining"] == "9999"
    assert second.headers["x-minlimit-remaining"] == "58"
    assert sandbox.world.stats.calls["GET /api.xro/2.0/_probe"] == 2
    assert sandbox.world.stats.calls_per_tenant[AU] == 2


async def test_minute_limit_answers_429_and_resets_with_the_window(
    make_sandbox: SandboxFactory,
) -> None:
    client, sandbox, probe = await make_sandbox(tenant_per_minute=3)
    headers = {**await _carol(client), "xero-tenant-id": AU}
    for _ in range(3):
        assert (await client.get(PROBE, headers=headers)).status_code == 200
    refused = await client.get(PROBE, headers=headers)
    assert refused.status_code == 429
    assert refused.headers["x-rate-limit-problem"] == "minute"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["x-minlimit-remaining"] == "0"
    assert probe.applied == 3
    other = await client.get(PROBE, headers={**headers, "xero-tenant-id": UK})
    assert other.status_code == 200
    sandbox.world.clock.advance(60)
    assert (await client.get(PROBE, headers=headers)).status_code == 200
    assert sandbox.world.stats.breaches == {"minute": 1}


async def test_a_small_time_scale_makes_a_minute_pass_in_real_seconds(
    make_sandbox: SandboxFactory,
) -> None:
    client, sandbox, _ = await make_sandbox(tenant_per_minute=2, time_scale=240.0)
    headers = {**await _carol(client), "xero-tenant-id": AU}
    await client.get(PROBE, headers=headers)
    await client.get(PROBE, headers=headers)
    refused = await client.get(PROBE, headers=headers)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"  # 60 sandbox seconds are 0.25 real ones
    await asyncio.sleep(0.3)
    assert (await client.get(PROBE, headers=headers)).status_code == 200
    assert sandbox.world.stats.breaches["minute"] == 1


async def test_day_limit(make_sandbox: SandboxFactory) -> None:
    client, sandbox, _ = await make_sandbox(tenant_per_day=2)
    headers = {**await _carol(client), "xero-tenant-id": AU}
    await client.get(PROBE, headers=headers)
    await client.get(PROBE, headers=headers)
    sandbox.world.clock.advance(120)  # a new minute, the same day
    refused = await client.get(PROBE, headers=headers)
    assert refused.status_code == 429
    assert refused.headers["x-rate-limit-problem"] == "day"
    assert int(refused.headers["retry-after"]) > 80000
    assert sandbox.world.stats.breaches == {"day": 1}


async def test_app_wide_minute_limit_spans_tenants(make_sandbox: SandboxFactory) -> None:
    client, sandbox, _ = await make_sandbox(app_per_minute=3)
    auth = await _carol(client)
    for tenant in (AU, UK, AU):
        assert (await client.get(PROBE, headers={**auth, "xero-tenant-id": tenant})).is_success
    refused = await client.get(PROBE, headers={**auth, "xero-tenant-id": UK})
    assert refused.status_code == 429
    assert refused.headers["x-rate-limit-problem"] == "appminute"
    assert refused.headers["x-appminlimit-remaining"] == "0"
    assert sandbox.world.stats.breaches == {"appminute": 1}


async def test_concurrency_limit_counts_calls_in_flight(make_sandbox: SandboxFactory) -> None:
    client, sandbox, probe = await make_sandbox()
    headers = {**await _carol(client), "xero-tenant-id": AU}
    probe.gate = asyncio.Event()
    held = [asyncio.create_task(client.get(PROBE, headers=headers)) for _ in range(5)]
    for _ in range(500):  # until all five are inside the handler
        if probe.entered == 5:
            break
        await asyncio.sleep(0.01)
    refused = await client.get(PROBE, headers=headers)
    assert refused.status_code == 429
    assert refused.headers["x-rate-limit-problem"] == "concurrent"
    assert refused.headers["retry-after"] == "1"
    other_tenant = asyncio.create_task(client.get(PROBE, headers={**headers, "xero-tenant-id": UK}))
    probe.gate.set()
    answers = await asyncio.gather(*held, other_tenant)
    assert all(a.status_code == 200 for a in answers)
    assert sandbox.limiter.in_flight == {}
    assert (await client.get(PROBE, headers=headers)).status_code == 200
    assert sandbox.world.stats.breaches == {"concurrent": 1}


async def test_refused_calls_consume_no_quota(make_sandbox: SandboxFactory) -> None:
    client, sandbox, _ = await make_sandbox(tenant_per_minute=1)
    headers = {**await _carol(client), "xero-tenant-id": AU}
    await client.get(PROBE, headers=headers)
    for _ in range(3):
        assert (await client.get(PROBE, headers=headers)).status_code == 429
    assert sandbox.limiter.day[(CLIENT_ID, AU)].count == 1
    assert sandbox.world.stats.breaches["minute"] == 3


async def test_identity_paths_are_not_rate_limited(make_sandbox: SandboxFactory) -> None:
    client, _, _ = await make_sandbox(app_per_minute=1)
    for _ in range(3):
        answer = await client.get("/.well-known/openid-configuration")
        assert "x-appminlimit-remaining" not in answer.headers
        assert answer.status_code == 200


def _app_token(sandbox: Sandbox, client_id: str) -> dict[str, str]:
    token = sandbox.world.issue_test_token([AU, UK], grant_id=client_id, client_id=client_id)
    return bearer(token)


async def test_each_app_has_its_own_tenant_windows(make_sandbox: SandboxFactory) -> None:
    client, sandbox, _ = await make_sandbox(tenant_per_minute=1)
    first, second = _app_token(sandbox, "app-a"), _app_token(sandbox, "app-b")
    assert (await client.get(PROBE, headers={**first, "xero-tenant-id": AU})).status_code == 200
    assert (await client.get(PROBE, headers={**first, "xero-tenant-id": AU})).status_code == 429
    other_app = await client.get(PROBE, headers={**second, "xero-tenant-id": AU})
    assert (other_app.status_code, other_app.headers["x-minlimit-remaining"]) == (200, "0")
    assert sandbox.world.stats.breaches == {"minute": 1}


async def test_the_app_wide_minute_is_per_app(make_sandbox: SandboxFactory) -> None:
    client, sandbox, _ = await make_sandbox(app_per_minute=2)
    first, second = _app_token(sandbox, "app-a"), _app_token(sandbox, "app-b")
    for tenant in (AU, UK):
        assert (await client.get(PROBE, headers={**first, "xero-tenant-id": tenant})).is_success
    refused = await client.get(PROBE, headers={**first, "xero-tenant-id": AU})
    assert refused.headers.get("x-rate-limit-problem") == "appminute"
    other_app = await client.get(PROBE, headers={**second, "xero-tenant-id": AU})
    assert (other_app.status_code, other_app.headers["x-appminlimit-remaining"]) == (200, "1")
