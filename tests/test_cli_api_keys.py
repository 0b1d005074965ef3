"""``xero-connector api-keys``: create prints the key last, keys are stored hashed, revoke works,
and every create and revoke is audited."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xero_connector.cli import app

runner = CliRunner()


@pytest.fixture
def env(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("XERO_CONNECTOR_DATABASE_URL", sqlite_url)
    return sqlite_url.removeprefix("sqlite+aiosqlite:///")


def rows(db_path: str, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db_path) as connection:
        return connection.execute(query).fetchall()


def create(*args: str) -> str:
    result = runner.invoke(app, ["api-keys", "create", *args])
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()[-1]


def test_create_prints_the_key_alone_on_the_last_line_and_stores_a_hash(env: str) -> None:
    key = create("--name", "billing", "--role", "service")
    assert key.startswith("xck_")
    assert " " not in key
    stored = rows(env, "SELECT name, role, workspace_id, key_hash FROM api_keys")
    assert len(stored) == 1
    name, role, workspace, key_hash = stored[0]
    assert (name, role, workspace) == ("billing", "service", None)
    assert key not in str(key_hash)
    assert key not in Path(env).read_bytes().decode("latin-1")


def test_create_binds_a_key_to_a_workspace(env: str) -> None:
    create("--name", "ops-one", "--role", "ops", "--workspace", "ws-1")
    assert rows(env, "SELECT role, workspace_id FROM api_keys") == [("ops", "ws-1")]


@pytest.mark.parametrize(
    "args",
    [
        ["--name", "x", "--role", "dashboard"],
        ["--name", "x", "--role", "service", "--workspace", "not ok!"],
    ],
)
def test_create_refuses_bad_input(env: str, args: list[str]) -> None:
    result = runner.invoke(app, ["api-keys", "create", *args])
    assert result.exit_code == 2
    assert rows(env, "SELECT count(*) FROM api_keys") == [(0,)]


def test_list_shows_keys_but_never_the_key(env: str) -> None:
    key = create("--name", "billing", "--role", "service")
    result = runner.invoke(app, ["api-keys", "list"])
    assert result.exit_code == 0
    assert "billing" in result.stdout
    assert "active" in result.stdout
    assert key not in result.stdout


def test_revoke_marks_the_key_revoked(env: str) -> None:
    create("--name", "billing", "--role", "service")
    [(key_id,)] = rows(env, "SELECT id FROM api_keys")
    result = runner.invoke(app, ["api-keys", "revoke", str(key_id)])
    assert result.exit_code == 0, result.output
    assert rows(env, "SELECT revoked_at IS NOT NULL FROM api_keys") == [(1,)]
    assert "revoked" in runner.invoke(app, ["api-keys", "list"]).stdout


def test_revoke_of_an_unknown_id_fails(env: str) -> None:
    result = runner.invoke(app, ["api-keys", "revoke", "no-such-id"])
    assert result.exit_code == 1
    assert "no API key" in result.stderr


def test_create_and_revoke_are_audited_without_the_key(env: str) -> None:
    key = create("--name", "billing", "--role", "service", "--workspace", "ws-1")
    [(key_id,)] = rows(env, "SELECT id FROM api_keys")
    runner.invoke(app, ["api-keys", "revoke", str(key_id)])
    events = rows(
        env, "SELECT actor, action, workspace_id, target, result, source, detail FROM audit_events"
    )
    assert [event[:6] for event in events] == [
        ("cli", "api_key.create", "ws-1", f"api_key:{key_id}", "ok", "cli"),
        ("cli", "api_key.revoke", "ws-1", f"api_key:{key_id}", "ok", "cli"),
    ]
    assert key not in str(events)


@pytest.mark.parametrize("given", ["prefix", "shown prefix", "whole key"])
def test_revoke_given_a_key_prefix_names_the_id_to_use_and_never_echoes_the_key(
    env: str, given: str
) -> None:
    key = create("--name", "billing", "--role", "service")
    [(key_id, prefix)] = rows(env, "SELECT id, prefix FROM api_keys")
    argument = {"prefix": str(prefix), "shown prefix": f"xck_{prefix}_...", "whole key": key}[given]

    result = runner.invoke(app, ["api-keys", "revoke", argument])

    assert result.exit_code == 1
    assert f"api-keys revoke {key_id}" in result.stderr
    assert key.split("_", 2)[2] not in result.output
    assert rows(env, "SELECT revoked_at FROM api_keys") == [(None,)]
