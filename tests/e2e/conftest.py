"""End-to-end fixtures: ``xero-connector dev`` started as a newcomer would, in an empty folder."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.e2e.connector import APP_ORIGIN, Connector, Sandbox
from tests.e2e.processes import Service, command_env, free_port, started, wait_http


@dataclass(frozen=True)
class DevInstance:
    """A running ``xero-connector dev``: the API, its built-in sandbox, the printed API key."""

    base: str
    sandbox_origin: str
    api_key: str
    directory: Path
    service: Service


@pytest.fixture(scope="package")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevInstance]:
    """One ``dev`` for the package's tests; each test uses its own workspace ids."""
    directory = tmp_path_factory.mktemp("dev")
    port, sandbox_port = free_port(), free_port()
    env = command_env(XERO_CONNECTOR_RETURN_URL_ORIGINS=APP_ORIGIN)
    args = ["dev", "--port", str(port), "--sandbox-port", str(sandbox_port)]
    with started(args, cwd=directory, env=env) as service:
        api_key = service.wait_for_line("API key: ")
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/healthz", service)
        yield DevInstance(base, f"http://127.0.0.1:{sandbox_port}", api_key, directory, service)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=20) as client:
        yield client


@pytest.fixture
def connector(dev: DevInstance, http: httpx.AsyncClient) -> Connector:
    return Connector(dev.base, dev.api_key, http)


@pytest.fixture
async def sandbox(dev: DevInstance, http: httpx.AsyncClient) -> Sandbox:
    """The dev instance's sandbox, back at its seeded start (no grants, no counters)."""
    inspection = Sandbox(dev.sandbox_origin, http)
    await inspection.reset()
    return inspection
