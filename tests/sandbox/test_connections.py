"""``GET /connections`` (``authEventId``), ``/Connections``, ``DELETE /connections/{id}``."""

from __future__ import annotations

from .conftest import PROBE, SandboxFactory
from .flows import AU, UK, US, bearer, connect


async def test_connections_list_the_consented_tenants(make_sandbox: SandboxFactory) -> None:
    client, _, _ = await make_sandbox()
    tokens = await connect(client, "carol@sandbox.test", [AU, UK])
    answer = await client.get("/connections", headers=bearer(tokens["access_token"]))
    assert answer.status_code == 200
    listed = answer.json()
    assert {c["tenantId"] for c in listed} == {AU, UK}
    assert {c["tenantName"] for c in listed} == {"Demo Company (AU)", "Demo Company (UK)"}
    assert all(c["tenantType"] == "ORGANISATION" for c in listed)
    assert len({c["authEventId"] for c in listed}) == 1
    capital = await client.get("/Connections", headers=bearer(tokens["access_token"]))
    assert capital.json() == listed


async def test_auth_event_id_narrows_the_list_to_one_consent(make_sandbox: SandboxFactory) -> None:
    client, _, _ = await make_sandbox()
    first = await connect(client, "carol@sandbox.test", [AU, UK])
    second = await connect(client, "carol@sandbox.test", [UK, US])
    headers = bearer(second["access_token"])
    everything = (await client.get("/connections", headers=headers)).json()
    assert {c["tenantId"] for c in everything} == {AU, UK, US}
    event = next(c["authEventId"] for c in everything if c["tenantId"] == US)
    mine = await client.get("/connections", params={"authEventId": event}, headers=headers)
    assert {c["tenantId"] for c in mine.json()} == {UK, US}
    assert first["access_token"] != second["access_token"]


async def test_reconsent_keeps_the_connection_id_with_a_new_auth_event(
    make_sandbox: SandboxFactory,
) -> None:
    client, _, _ = await make_sandbox()
    first = await connect(client, "carol@sandbox.test", [AU])
    before = (await client.get("/connections", headers=bearer(first["access_token"]))).json()
    second = await connect(client, "carol@sandbox.test", [AU])
    after = (await client.get("/connections", headers=bearer(second["access_token"]))).json()
    assert [c["id"] for c in after] == [c["id"] for c in before]
    assert after[0]["authEventId"] != before[0]["authEventId"]
    assert after[0]["createdDateUtc"] == before[0]["createdDateUtc"]
    assert after[0]["updatedDateUtc"] >= before[0]["updatedDateUtc"]


async def test_connections_are_per_user_and_client(make_sandbox: SandboxFactory) -> None:
    client, _, _ = await make_sandbox()
    alice = await connect(client, "alice@sandbox.test", [AU])
    carol = await connect(client, "carol@sandbox.test", [AU])
    alices = (await client.get("/connections", headers=bearer(alice["access_token"]))).json()
    carols = (await client.get("/connections", headers=bearer(carol["access_token"]))).json()
    assert alices[0]["id"] != carols[0]["id"]
    stranger = await client.delete(
        f"/connections/{carols[0]['id']}", headers=bearer(alice["access_token"])
    )
    assert stranger.status_code == 404


async def test_delete_removes_the_connection_and_its_api_access(
    make_sandbox: SandboxFactory,
) -> None:
    client, _, _ = await make_sandbox()
    tokens = await connect(client, "carol@sandbox.test", [AU, UK])
    headers = bearer(tokens["access_token"])
    listed = (await client.get("/connections", headers=headers)).json()
    doomed = next(c for c in listed if c["tenantId"] == AU)
    assert (await client.get(PROBE, headers={**headers, "xero-tenant-id": AU})).status_code == 200
    gone = await client.delete(f"/connections/{doomed['id']}", headers=headers)
    assert gone.status_code == 204
    remaining = (await client.get("/connections", headers=headers)).json()
    assert [c["tenantId"] for c in remaining] == [UK]
    denied = await client.get(PROBE, headers={**headers, "xero-tenant-id": AU})
    assert denied.status_code == 403
    assert denied.json()["Detail"] == "AuthenticationUnsuccessful"
    still = await client.get(PROBE, headers={**headers, "xero-tenant-id": UK})
    assert still.status_code == 200
    again = await client.delete(f"/connections/{doomed['id']}", headers=headers)
    assert again.status_code == 404


async def test_delete_by_tenant_id_is_not_found(make_sandbox: SandboxFactory) -> None:
    client, _, _ = await make_sandbox()
    tokens = await connect(client)
    answer = await client.delete(f"/connections/{AU}", headers=bearer(tokens["access_token"]))
    assert answer.status_code == 404


async def test_reconnecting_restores_api_access(make_sandbox: SandboxFactory) -> None:
    client, _, _ = await make_sandbox()
    old = await connect(client)
    headers = bearer(old["access_token"])
    [connection] = (await client.get("/connections", headers=headers)).json()
    await client.delete(f"/connections/{connection['id']}", headers=headers)
    new = await connect(client)
    probe = await client.get(PROBE, headers={**bearer(new["access_token"]), "xero-tenant-id": AU})
    assert probe.status_code == 200


async def test_connections_need_a_valid_bearer_token(make_sandbox: SandboxFactory) -> None:
    client, _, _ = await make_sandbox()
    answer = await client.get("/connections", headers=bearer("forged"))
    assert answer.status_code == 401
    assert answer.json()["Detail"] == "TokenInvalid"
    assert (await client.delete(f"/connections/{AU}")).status_code == 401
