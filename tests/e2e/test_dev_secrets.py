"""Nothing secret reaches the connector's output during a whole connect and disconnect.

The built-in sandbox's app secret is made fresh inside ``dev`` and never leaves it, so this test
runs ``dev`` with app credentials it chose, against a sandbox started on its own (docs/sandbox.md,
"Pointing a client at it"): then every secret is known here and can be looked for.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.e2e.connector import APP_ORIGIN, Connector, Sandbox, outcome_of
from tests.e2e.consent import AU, BOB, consent_as, query_of
from tests.e2e.processes import command_env, free_port, started, wait_http
from tests.e2e.stored import stored_token_sets

pytestmark = [pytest.mark.e2e]

CLIENT_ID = "e2e-secrets-app"
CLIENT_SECRET = "e2e-client-secret-f1b2c3d4e5f6a7b8c9d0"


async def test_no_code_token_client_secret_or_key_appears_in_the_connectors_output(
    tmp_path: Path, http: httpx.AsyncClient
) -> None:
    port, sandbox_port = free_port(), free_port()
    origin = f"http://127.0.0.1:{sandbox_port}"
    client = f"{CLIENT_ID}:{CLIENT_SECRET}"
    sandbox_args = ["sandbox", "--port", str(sandbox_port), "--client", client]
    env = command_env(
        XERO_CONNECTOR_RETURN_URL_ORIGINS=APP_ORIGIN,
        XERO_CONNECTOR_XERO_CLIENT_ID=CLIENT_ID,
        XERO_CONNECTOR_XERO_CLIENT_SECRET=CLIENT_SECRET,
        XERO_CONNECTOR_XERO_LOGIN_BASE=origin,
        XERO_CONNECTOR_XERO_IDENTITY_BASE=origin,
        XERO_CONNECTOR_XERO_API_BASE=origin,
        XERO_CONNECTOR_LOG_LEVEL="DEBUG",
    )
    with (
        started(sandbox_args, cwd=tmp_path, env=command_env()) as xero,
        started(["dev", "--port", str(port)], cwd=tmp_path, env=env) as dev,
    ):
        wait_http(f"{origin}/_sandbox/stats", xero)
        connector = Connector(f"http://127.0.0.1:{port}", dev.wait_for_line("API key: "), http)
        wait_http(f"{connector.base}/healthz", dev)

        callback_url = await consent_as(http, await connector.connect("ws-secrets"), BOB)
        outcome = outcome_of(await connector.callback(callback_url))
        connections = {c["tenant_id"]: c["id"] for c in await connector.connections("ws-secrets")}
        assert set(outcome["connection_ids"].split(",")) == set(connections.values())
        assert (await connector.disconnect(connections[AU])).status_code == 204
        await Sandbox(origin, http).assert_clean()
        (token_set,) = stored_token_sets(tmp_path)
    output = dev.output()

    keyring = (tmp_path / "xero-connector.keyring").read_text().strip()
    secrets = {
        "authorization code": query_of(callback_url)["code"],
        "access token": token_set[0],
        "refresh token": token_set[1],
        "id token": token_set[2] or "",
        "client secret": CLIENT_SECRET,
        "keyring entry": keyring,
        "key-encryption key": keyring.split(":", 1)[1],
    }
    assert all(secrets.values())
    assert "callback" in output  # the output is there and did see the flow
    leaked = [name for name, value in secrets.items() if value in output]
    assert leaked == []
