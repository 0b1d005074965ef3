"""``xero-connector worker`` refuses to start without proper scale-out settings."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from xero_connector.cli import app
from xero_connector.vault import generate_key_entry


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("XERO_CONNECTOR_REDIS_URL", "XERO_CONNECTOR_REDIS_URL"),
        ("XERO_CONNECTOR_KEYS", "XERO_CONNECTOR_KEYS"),
        ("XERO_CONNECTOR_DATABASE_URL", "XERO_CONNECTOR_DATABASE_URL"),
    ],
)
def test_worker_refuses_to_start_and_names_the_variable(
    missing: str, named: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {
        "XERO_CONNECTOR_REDIS_URL": "redis://127.0.0.1:6379/0",
        "XERO_CONNECTOR_KEYS": generate_key_entry(),
        "XERO_CONNECTOR_XERO_CLIENT_ID": "client",
        "XERO_CONNECTOR_XERO_CLIENT_SECRET": "a-real-looking-secret",
        "XERO_CONNECTOR_DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1/x",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(missing)
    result = CliRunner().invoke(app, ["worker"])
    assert result.exit_code == 2
    assert named in result.output
