"""What a newcomer reads first: ``--help`` of every command, and which database a command uses."""

from __future__ import annotations

import asyncio

import pytest
from typer.testing import CliRunner

from xero_connector.cli import app

runner = CliRunner()

COMMANDS = [
    [],
    ["dev"],
    ["api"],
    ["worker"],
    ["migrate"],
    ["demo-data"],
    ["sandbox"],
    ["keys"],
    ["keys", "generate"],
    ["keys", "rotate"],
    ["keys", "status"],
    ["api-keys"],
    ["api-keys", "create"],
    ["api-keys", "list"],
    ["api-keys", "revoke"],
    ["connections"],
    ["connections", "list"],
    ["connections", "show"],
    ["connections", "disconnect"],
    ["sync"],
    ["sync", "start"],
    ["sync", "status"],
    ["sync", "list"],
    ["records"],
    ["records", "list"],
    ["records", "retry"],
]


def _help(command: list[str]) -> str:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: " ".join(command) or "main")
def test_help_is_plain_text_for_users(command: list[str]) -> None:
    text = _help(command)

    assert "``" not in text  # docstring markup
    assert "module" not in text  # notes for developers
    assert "…" not in text
    assert "..." not in text.replace("[ARGS]...", "")  # a cut summary
    assert max(len(line) for line in text.splitlines()) <= 80


def test_the_main_help_says_what_the_tool_is_and_where_to_start() -> None:
    text = _help([])

    assert "Xero" in text
    assert "xero-connector dev" in text


def test_sandbox_help_shows_every_option_whole_at_80_columns() -> None:
    text = _help(["sandbox"])

    for option in ("--access-token-seconds", "--gc-freeze-seconds", "--fault-token-drop"):
        assert option in text
    assert "sandbox-client:sandbox-secret" in text


async def test_a_command_says_which_database_it_acts_on_with_the_password_masked(
    pg_url: str,
) -> None:
    with_password = pg_url.replace("postgres@", "postgres:pw-never-shown@", 1)
    assert with_password != pg_url

    result = await asyncio.to_thread(
        runner.invoke, app, ["migrate"], env={"XERO_CONNECTOR_DATABASE_URL": with_password}
    )

    assert result.exit_code == 0, result.output
    expected = with_password.replace(":pw-never-shown@", ":***@")
    assert f"database: {expected}" in result.stderr
    assert "pw-never-shown" not in result.output
