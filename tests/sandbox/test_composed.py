"""The whole sandbox: identity tokens reaching the real Accounting API through limits and faults."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from .conftest import SandboxFactory
from .flows import AU, UK, bearer, connect


async def _headers(client: httpx.AsyncClient, tenant: str = AU) -> dict[str, str]:
    tokens: dict[str, Any] = await connect(client, "carol@sandbox.test", [AU, UK])
    auth = bearer(tokens["access_token"])
    return {**auth, "xero-tenant-id": tenant, "Accept": "application/json"}


async def test_a_consented_token_reads_the_organisation_with_limit_headers(
    make_sandbox: SandboxFactory,
) -> None:
    client, sandbox, _ = await make_sandbox()
    answer = await client.get("/api.xro/2.0/Organisation", headers=await _headers(client))
    assert answer.status_code == 200
    assert answer.json()["Organisations"][0]["Name"] == "Demo Company (AU)"
    assert answer.headers["x-minlimit-remaining"] == "59"
    assert sandbox.world.stats.calls["GET /api.xro/2.0/Organisation"] == 1


async def test_disconnect_from_inside_xero_makes_the_api_answer_403(
    make_sandbox: SandboxFactory,
) -> None:
    client, _, _ = await make_sandbox()
    headers = await _headers(client)
    await client.post("/_sandbox/disconnect", params={"tenant": AU})
    answer = await client.get("/api.xro/2.0/Organisation", headers=headers)
    assert answer.status_code == 403
    assert answer.json()["Detail"] == "AuthenticationUnsuccessful"
    uk = await client.get("/api.xro/2.0/Organisation", headers={**headers, "xero-tenant-id": UK})
    assert uk.status_code == 200


async def test_a_dropped_contact_write_exists_afterwards(make_sandbox: SandboxFactory) -> None:
    client, sandbox, _ = await make_sandbox(fault_drop=1.0)
    headers = await _headers(client)
    before = sandbox.accounting.counts()[AU]["contacts"]
    body = {"Contacts": [{"Name": "Dropped Answer Pty Ltd"}]}
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(
            client.put("/api.xro/2.0/Contacts", json=body, headers=headers), timeout=0.3
        )
    found = await client.get(
        "/api.xro/2.0/Contacts",
        params={"where": 'Name=="Dropped Answer Pty Ltd"'},
        headers=headers,
    )
    assert len(found.json()["Contacts"]) == 1
    stats = (await client.get("/_sandbox/stats")).json()
    assert stats["objects"][AU]["contacts"] == before + 1
    assert stats["faults"] == {"drop": 1}


async def test_reset_restores_the_seeded_ledgers(make_sandbox: SandboxFactory) -> None:
    client, _, _ = await make_sandbox()
    headers = await _headers(client)
    seeded = (await client.get("/_sandbox/stats")).json()["objects"]
    created = await client.put(
        "/api.xro/2.0/Contacts", json={"Contacts": [{"Name": "Short Lived"}]}, headers=headers
    )
    assert created.status_code == 200
    await client.post("/_sandbox/reset")
    assert (await client.get("/_sandbox/stats")).json()["objects"] == seeded
    snapshot = (await client.get("/_sandbox/state", params={"tenant": AU})).json()["tenant"]
    assert snapshot["organisation"]["Name"] == "Demo Company (AU)"


async def test_a_dropped_write_retried_with_its_idempotency_key_gets_the_lost_answer(
    make_sandbox: SandboxFactory,
) -> None:
    client, sandbox, _ = await make_sandbox(fault_drop=1.0)
    headers = {**await _headers(client), "Idempotency-Key": "contact-once"}
    body = {"Contacts": [{"Name": "Retried Pty Ltd"}]}
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(
            client.put("/api.xro/2.0/Contacts", json=body, headers=headers), timeout=0.3
        )
    await client.post("/_sandbox/faults", json={"fault_drop": 0})
    before = sandbox.accounting.counts()[AU]["contacts"]
    retried = await client.put("/api.xro/2.0/Contacts", json=body, headers=headers)
    assert retried.status_code == 200
    assert retried.json()["Contacts"][0]["Name"] == "Retried Pty Ltd"
    assert sandbox.accounting.counts()[AU]["contacts"] == before
