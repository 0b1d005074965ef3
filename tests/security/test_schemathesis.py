"""Hostile input against the running app: schemathesis drives every operation of openapi.yaml.

``xero-connector dev`` runs in a process of its own (SQLite, the built-in sandbox as Xero), and
schemathesis sends it generated and mutated requests for every operation in the committed
contract, with a service key, then runs every check it has on each answer. A 5xx or an answer
off the contract (status, content type, headers, body schema) fails the test. The seed is fixed
and the examples per operation bounded, so a run is repeatable and takes well under a minute.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, seed, settings
from schemathesis.config import SchemathesisConfig

from tests.cli_helpers import ROOT, command_env, free_port, read_api_key, wait_until_up

pytestmark = pytest.mark.slow

# Every check runs. Schema-valid input may still be refused on meaning: an opaque cursor or OAuth
# state that we never handed out, a workspace id of the right shape naming a workspace the caller
# may not act for, a return URL of an origin not allowed. Those answers are 400 (the callback's
# unknown state) or 422 (the rest), so the positive-data check accepts them too.
CONFIG = SchemathesisConfig.from_str(
    """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "422", "429"]
"""
)
SCHEMA = schemathesis.openapi.from_path(ROOT / "openapi.yaml", config=CONFIG)
EXAMPLES = 30


class LiveApp:
    def __init__(self, base_url: str, key: str) -> None:
        self.base_url = base_url
        self.headers = {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    workdir = tmp_path_factory.mktemp("schemathesis")
    port, sandbox_port = free_port(), free_port()
    log = (workdir / "dev.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "xero_connector",
            "dev",
            "--port",
            str(port),
            "--sandbox-port",
            str(sandbox_port),
        ],
        cwd=workdir,
        env=command_env(XERO_CONNECTOR_LOG_LEVEL="WARNING"),
        stdout=subprocess.PIPE,
        stderr=log,  # a file: a pipe nobody reads would fill up and stall the server
        text=True,
    )
    try:
        key = read_api_key(process)
        base_url = f"http://127.0.0.1:{port}"
        wait_until_up(base_url)
        yield LiveApp(base_url, key)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        if process.stdout is not None:
            process.stdout.close()
    errors = [line for line in Path(log.name).read_text().splitlines() if "unhandled_error" in line]
    assert errors == []


@SCHEMA.parametrize()
@seed(20261201)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_survives_generated_input(
    case: schemathesis.Case[Any], live_app: LiveApp
) -> None:
    case.call_and_validate(base_url=live_app.base_url, headers=live_app.headers)
