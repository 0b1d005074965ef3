"""Bob connects the same organisation into two workspaces: at Xero that is ONE connection (per
user, app and organisation). Disconnecting one workspace must leave the other connected at Xero;
disconnecting the last one removes it there and revokes the consent."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.connector import Connector, Sandbox, connect_through_xero, outcome_of
from tests.e2e.consent import AU, BOB

pytestmark = [pytest.mark.e2e]


async def _connect_au(connector: Connector, workspace_id: str) -> str:
    outcome = outcome_of(await connect_through_xero(connector, workspace_id, BOB, tenants=(AU,)))
    assert outcome["status"] == "connected"
    (connection_id,) = outcome["connection_ids"].split(",")
    return connection_id


def _bobs_grants(state: dict[str, Any]) -> list[dict[str, Any]]:
    """Bob's consents at the sandbox, oldest first."""
    return [grant for grant in state["grants"] if grant["user"] == BOB.email]


async def test_disconnecting_one_of_two_workspaces_keeps_the_shared_xero_connection(
    connector: Connector, sandbox: Sandbox
) -> None:
    acme = await _connect_au(connector, "ws-shared-acme")
    acme2 = await _connect_au(connector, "ws-shared-acme2")
    at_xero = await sandbox.connections_of(BOB.email)
    assert set(at_xero) == {AU}  # one Xero connection behind both workspaces

    assert (await connector.disconnect(acme)).status_code == 204

    assert (await connector.connection(acme)).json()["status"] == "disconnected"
    assert (await connector.connection(acme2)).json()["status"] == "active"
    assert await sandbox.connections_of(BOB.email) == at_xero
    state = await sandbox.state()
    acme_grant, acme2_grant = _bobs_grants(state)
    assert (acme_grant["revoked"], acme2_grant["revoked"]) == (False, False)
    # acme2's consent still reaches AU: its access tokens are not cut off from the tenant
    assert AU not in state["disconnected"].get(acme2_grant["grant_id"], [])
    (connection,) = [c for c in state["connections"] if c["id"] == at_xero[AU]]
    assert connection["authEventId"] == acme2_grant["auth_event_id"]

    assert (await connector.disconnect(acme2)).status_code == 204

    assert await sandbox.connections_of(BOB.email) == {}
    acme_grant, acme2_grant = _bobs_grants(await sandbox.state())
    assert acme2_grant["revoked"] is True  # the last one out revokes its consent
    assert acme_grant["revoked"] is False  # destroyed locally: revoking it would have cut acme2
    await sandbox.assert_clean()
