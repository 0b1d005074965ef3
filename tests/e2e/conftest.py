"""End-to-end fixtures: ``xero-connector dev`` started as a newcomer would, in an empty folder."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.e2e.connector import APP_ORIGIN, Connector, Sandbox
from tests.e2e.processes import Service, command_env, free_port, started_shell, wait_http
from tests.e2e.quickstart import Quickstart


@dataclass(frozen=True)
class DevInstance:
    """A running ``xero-connector dev``: the API, its built-in sandbox, the printed API key."""

    base: str
    sandbox_origin: str
    api_key: str
    directory: Path
    service: Service
    quickstart: Quickstart


@pytest.fixture(scope="package")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevInstance]:
    """One ``dev`` for the package's tests, started with docs/quickstart.md's command.

    Each test uses its own workspace ids; the return URL origin is allowed for the tests that
    pass one.
    """
    directory = tmp_path_factory.mktemp("dev")
    quickstart = Quickstart(api_port=free_port(), sandbox_port=free_port())
    env = command_env(XERO_CONNECTOR_RETURN_URL_ORIGINS=APP_ORIGIN)
    command = quickstart.command("dev")
    with started_shell(command, cwd=directory, env=env, name="dev") as service:
        api_key = service.wait_for_line("API key: ")
        base = f"http://127.0.0.1:{quickstart.api_port}"
        wait_http(f"{base}/healthz", service)
        sandbox_origin = f"http://127.0.0.1:{quickstart.sandbox_port}"
        yield DevInstance(base, sandbox_origin, api_key, directory, service, quickstart)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=20) as client:
        yield client


@pytest.fixture
async def connector(dev: DevInstance, http: httpx.AsyncClient) -> AsyncIterator[Connector]:
    """The connector's API; what the test left connected is disconnected when it ends.

    The tests share one ``dev`` (and its database) but reset the sandbox: a sandbox user's
    connection left live by an earlier test would count, for the connector, as that Xero user
    still connected elsewhere (no revocation) or even as the same Xero connection (ids repeat
    after a reset, so no delete at Xero).
    """
    client = Connector(dev.base, dev.api_key, http)
    yield client
    await client.disconnect_all()


@pytest.fixture
async def sandbox(dev: DevInstance, http: httpx.AsyncClient) -> Sandbox:
    """The dev instance's sandbox, back at its seeded start (no grants, no counters)."""
    inspection = Sandbox(dev.sandbox_origin, http)
    await inspection.reset()
    return inspection
