"""``xero-connector worker`` refuses to start without proper scale-out settings."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from xero_connector.cli import app
from xero_connector.vault import generate_key_entry


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("XERO_CONNECTOR_REDIS_URL", None),
        ("XERO_CONNECTOR_KEYS", None),
        ("XERO_CONNECTOR_KEYS", "changeme"),
        ("XERO_CONNECTOR_KEYS", "k1:tooshort"),
        ("XERO_CONNECTOR_XERO_CLIENT_ID", None),
        ("XERO_CONNECTOR_XERO_CLIENT_SECRET", "changeme"),
        ("XERO_CONNECTOR_DATABASE_URL", None),
    ],
)
def test_worker_refuses_to_start_and_names_the_variable(
    variable: str, value: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {
        "XERO_CONNECTOR_REDIS_URL": "redis://127.0.0.1:6379/0",
        "XERO_CONNECTOR_KEYS": generate_key_entry(),
        "XERO_CONNECTOR_XERO_CLIENT_ID": "client",
        "XERO_CONNECTOR_XERO_CLIENT_SECRET": "a-real-looking-secret",
        "XERO_CONNECTOR_DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1/x",
    }
    for name, setting in env.items():
        monkeypatch.setenv(name, setting)
    if value is None:
        monkeypatch.delenv(variable)  # the database URL then defaults to SQLite: refused too
    else:
        monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(app, ["worker"])
    assert result.exit_code == 2
    assert variable in result.output
    if value and variable == "XERO_CONNECTOR_KEYS":
        assert value.split(":")[-1] not in result.output
