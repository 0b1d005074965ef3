"""A newcomer's first run: ``xero-connector dev``, connect as bob through the sandbox's pages,
list, read and disconnect, all over real HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.conftest import DevInstance
from tests.e2e.connector import Connector, Sandbox, connect_through_xero, outcome_of
from tests.e2e.consent import ALICE, AU, BOB, TENANT_NAMES, UK, ConsentPages, query_of
from tests.e2e.stored import stored_token_sets

pytestmark = [pytest.mark.e2e]


async def bob_connects_both(connector: Connector, workspace_id: str) -> dict[str, dict[str, Any]]:
    """Bob connects AU and UK to ``workspace_id``; ``{tenant id: connection}``."""
    outcome = outcome_of(await connect_through_xero(connector, workspace_id, BOB))
    assert outcome["status"] == "connected"
    listed = await connector.connections(workspace_id)
    return {item["tenant_id"]: item for item in listed}


async def test_bob_signs_in_with_mfa_picks_both_organisations_and_lands_back_connected(
    dev: DevInstance, connector: Connector, sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    authorize_url = await connector.connect("ws-bob-first-run")
    assert authorize_url.startswith(f"{sandbox.origin}/identity/connect/authorize?")
    asked = query_of(authorize_url)
    assert asked["redirect_uri"] == f"{connector.base}/v1/callback"
    assert asked["code_challenge_method"] == "S256"
    assert "offline_access" in asked["scope"].split()

    pages = ConsentPages(http, sandbox.origin)
    await pages.open(authorize_url)
    await pages.sign_in(BOB)  # checks that the MFA page comes next
    await pages.enter_mfa(BOB)  # checks that the picker offers AU and UK
    location = await pages.decide((AU, UK))

    assert location.startswith(f"{connector.base}/v1/callback?")
    assert query_of(location)["state"] == asked["state"]
    outcome = outcome_of(await connector.callback(location))
    assert outcome["status"] == "connected"
    connection_ids = outcome["connection_ids"].split(",")
    assert len(set(connection_ids)) == 2

    listed = await connector.connections("ws-bob-first-run")
    assert {item["id"] for item in listed} == set(connection_ids)
    assert {(item["tenant_id"], item["tenant_name"], item["status"]) for item in listed} == {
        (AU, TENANT_NAMES[AU], "active"),
        (UK, TENANT_NAMES[UK], "active"),
    }
    assert set((await sandbox.connections_of(BOB.email)).keys()) == {AU, UK}
    await sandbox.assert_clean()
    # The built-in sandbox logs into the same output: still no code, no token, no key. The
    # tokens are looked for themselves: random text such as a PKCE challenge in an access-log
    # line may well contain "eyJ". (test_dev_secrets.py checks every secret, the app's too.)
    output = dev.service.output()
    keyring = (dev.directory / "xero-connector.keyring").read_text().strip()
    tokens = [token for stored in stored_token_sets(dev.directory) for token in stored if token]
    assert "/v1/callback" in output
    assert tokens
    assert query_of(location)["code"] not in output
    assert keyring.split(":", 1)[1] not in output
    assert [token for token in tokens if token in output] == []


async def test_a_connection_reads_back_by_id_as_it_is_listed(
    connector: Connector, sandbox: Sandbox
) -> None:
    connections = await bob_connects_both(connector, "ws-bob-read")
    for listed in connections.values():
        answer = await connector.connection(listed["id"])
        assert answer.status_code == 200
        read = answer.json()
        # the first sync runs on meanwhile: its run is the same, its status may have moved
        assert read.pop("last_sync")["id"] == listed.pop("last_sync")["id"]
        assert read == listed
        assert listed["workspace_id"] == "ws-bob-read"
    await sandbox.assert_clean()


async def test_disconnecting_one_organisation_removes_it_at_xero_and_keeps_the_other(
    connector: Connector, sandbox: Sandbox
) -> None:
    connections = await bob_connects_both(connector, "ws-bob-disconnect")
    at_xero_before = await sandbox.connections_of(BOB.email)

    answer = await connector.disconnect(connections[AU]["id"])

    assert answer.status_code == 204
    gone = (await connector.connection(connections[AU]["id"])).json()
    assert gone["status"] == "disconnected"
    assert gone["disconnected_at"] is not None
    kept = (await connector.connection(connections[UK]["id"])).json()
    assert kept["status"] == "active"
    assert await sandbox.connections_of(BOB.email) == {UK: at_xero_before[UK]}
    grants = (await sandbox.state())["grants"]
    assert [grant["revoked"] for grant in grants] == [False]  # UK still uses the consent
    await sandbox.assert_clean()


async def test_disconnecting_an_already_disconnected_connection_answers_204_again(
    connector: Connector, sandbox: Sandbox
) -> None:
    connections = await bob_connects_both(connector, "ws-bob-twice")
    first = await connector.disconnect(connections[UK]["id"])
    second = await connector.disconnect(connections[UK]["id"])
    assert (first.status_code, second.status_code) == (204, 204)
    assert (await connector.connection(connections[UK]["id"])).json()["status"] == "disconnected"
    assert set((await sandbox.connections_of(BOB.email)).keys()) == {AU}


async def test_disconnecting_the_last_organisation_revokes_the_consent_at_xero(
    connector: Connector, sandbox: Sandbox
) -> None:
    outcome = outcome_of(await connect_through_xero(connector, "ws-alice-leaves", ALICE))
    (connection_id,) = outcome["connection_ids"].split(",")

    assert (await connector.disconnect(connection_id)).status_code == 204

    assert await sandbox.connections_of(ALICE.email) == {}
    state = await sandbox.state()
    assert [(grant["user"], grant["revoked"]) for grant in state["grants"]] == [(ALICE.email, True)]
    stats = await sandbox.stats()
    assert stats["invalid_grant"] == {}
    await sandbox.assert_clean()
