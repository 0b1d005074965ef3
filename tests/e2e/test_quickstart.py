"""docs/quickstart.md's dev-mode walk-through, command by command, as a person would do it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.conftest import DevInstance
from tests.e2e.connector import Connector, Sandbox
from tests.e2e.consent import AU, BOB, TENANT_NAMES, UK, consent_as
from tests.e2e.processes import command_env
from tests.e2e.quickstart import DEV_BLOCKS, SCALE_OUT_BLOCKS, page_blocks

pytestmark = [pytest.mark.e2e]


def test_every_command_block_of_the_quickstart_is_run_by_a_test() -> None:
    assert set(page_blocks()) == DEV_BLOCKS | SCALE_OUT_BLOCKS


async def test_the_quickstart_dev_walk_through_does_what_the_page_says(
    dev: DevInstance, connector: Connector, sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    quickstart, cwd = dev.quickstart, dev.directory
    env = command_env(API_KEY=dev.api_key)

    link: dict[str, Any] = quickstart.run_json("connect", cwd=cwd, env=env)
    assert set(link) == {"authorize_url", "expires_at"}
    callback_url = await consent_as(http, link["authorize_url"], BOB)
    page = await connector.callback(callback_url)  # the browser lands on the result page
    assert page.status_code == 200
    assert "Connected to Xero" in page.text

    listed = quickstart.run_json("list", cwd=cwd, env=env)["items"]
    assert {(c["tenant_name"], c["status"]) for c in listed} == {
        (TENANT_NAMES[AU], "active"),
        (TENANT_NAMES[UK], "active"),
    }
    by_tenant = {c["tenant_id"]: c["id"] for c in listed}

    env["CONNECTION_ID"] = by_tenant[AU]
    assert quickstart.run("disconnect", cwd=cwd, env=env).strip() == "204"
    assert quickstart.run_json("show", cwd=cwd, env=env)["status"] == "disconnected"
    env["CONNECTION_ID"] = by_tenant[UK]
    assert quickstart.run_json("show", cwd=cwd, env=env)["status"] == "active"

    state = quickstart.run_json("sandbox-state", cwd=cwd, env=env)
    bob = next(u["xero_userid"] for u in state["users"] if u["email"] == BOB.email)
    assert [c["tenantId"] for c in state["connections"] if c["user"] == bob] == [UK]
    await sandbox.assert_clean()
    assert quickstart.used >= DEV_BLOCKS
