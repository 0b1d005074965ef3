"""``xero-connector connections list|show|disconnect``: the REST API's services at a terminal."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest
from typer.testing import CliRunner

from tests.connector_app import KEY_ENTRY, _context, open_browser, outcome_of
from tests.fake_xero import CLIENT_ID, CLIENT_SECRET, ENDPOINTS, FakeXero, Tenant, fake_xero
from xero_connector.cli import app
from xero_connector.db.engine import make_engine, make_session_factory

__all__ = ["fake_xero"]

runner = CliRunner()


def connect_through_the_api(
    database_url: str, fake: FakeXero, workspace_id: str, *tenants: str
) -> list[str]:
    """Connect ``tenants`` into ``workspace_id`` as a caller of the REST API would."""

    async def run() -> list[str]:
        engine = make_engine(database_url)
        context = _context(make_session_factory(engine), engine=engine)
        try:
            async with open_browser(context, fake) as browser:
                response = await browser.connect(
                    [Tenant(t, f"Org {t}") for t in tenants], workspace_id
                )
                return outcome_of(response)["connection_ids"].split(",")
        finally:
            await context.aclose()

    return asyncio.run(run())


@pytest.fixture
def env(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    for name, value in {
        "DATABASE_URL": sqlite_url,
        "KEYS": KEY_ENTRY,
        "XERO_CLIENT_ID": CLIENT_ID,
        "XERO_CLIENT_SECRET": CLIENT_SECRET,
        "XERO_LOGIN_BASE": ENDPOINTS.login_base,
        "XERO_IDENTITY_BASE": ENDPOINTS.identity_base,
        "XERO_API_BASE": ENDPOINTS.api_base,
    }.items():
        monkeypatch.setenv(f"XERO_CONNECTOR_{name}", value)
    monkeypatch.delenv("XERO_CONNECTOR_REDIS_URL", raising=False)
    return sqlite_url


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["connections", *args])
    return result.exit_code, result.stdout, result.stderr


def test_list_prints_a_table_of_the_workspaces_connections(env: str, fake_xero: FakeXero) -> None:
    ids = connect_through_the_api(env, fake_xero, "ws-cli", "t-1", "t-2")
    connect_through_the_api(env, fake_xero, "ws-other", "t-3")

    code, out, _ = invoke("list", "--workspace", "ws-cli")

    assert code == 0, out
    header, *rows = out.splitlines()
    assert header.split() == [
        "id",
        "workspace_id",
        "tenant_name",
        "tenant_id",
        "status",
        "created_at",
    ]
    # One consent's connections share their created_at: the list is ordered by (created_at, id).
    assert sorted(row.split()[0] for row in rows) == sorted(ids)
    assert all("ws-cli" in row and "active" in row for row in rows)


def test_list_json_is_the_rest_apis_page(env: str, fake_xero: FakeXero) -> None:
    ids = connect_through_the_api(env, fake_xero, "ws-cli", "t-1", "t-2")

    code, out, err = invoke("list", "--workspace", "ws-cli", "--limit", "1", "--json")

    assert code == 0, err
    page = json.loads(out)
    [first] = page["items"]
    assert first["tenant_name"] in {"Org t-1", "Org t-2"}
    assert first["workspace_id"] == "ws-cli"
    assert page["next_cursor"]
    code, out, _ = invoke(
        "list", "--workspace", "ws-cli", "--cursor", page["next_cursor"], "--json"
    )
    last = json.loads(out)
    [second] = last["items"]
    assert last["next_cursor"] is None
    assert sorted([first["id"], second["id"]]) == sorted(ids)


def test_show_reads_any_workspaces_connection(env: str, fake_xero: FakeXero) -> None:
    [connection_id] = connect_through_the_api(env, fake_xero, "ws-cli", "t-1")

    code, out, _ = invoke("show", connection_id)
    assert code == 0, out
    fields = dict(line.split(maxsplit=1) for line in out.splitlines())
    assert fields["id"] == connection_id
    assert fields["workspace_id"] == "ws-cli"
    assert fields["tenant_name"] == "Org t-1"
    assert fields["rate_limited_until"] == "-"
    code, out, _ = invoke("show", connection_id, "--json")
    assert json.loads(out)["workspace_id"] == "ws-cli"


def test_show_of_an_unknown_connection_fails_with_1(env: str) -> None:
    code, _, err = invoke("show", "no-such-connection")
    assert code == 1
    assert "no such connection" in err


def test_disconnect_deletes_at_xero_and_is_audited_as_the_cli(
    env: str, fake_xero: FakeXero
) -> None:
    [connection_id] = connect_through_the_api(env, fake_xero, "ws-cli", "t-1")

    code, out, err = invoke("disconnect", connection_id)

    assert code == 0, err
    assert out.strip() == f"connection {connection_id}: disconnected"
    assert fake_xero.connections == {}
    assert len(fake_xero.deleted_connections) == 1
    with sqlite3.connect(env.removeprefix("sqlite+aiosqlite:///")) as db:
        events = db.execute(
            "SELECT actor, source, result FROM audit_events WHERE action = 'connection.disconnect'"
        ).fetchall()
    assert events == [("cli", "cli", "ok")]
    code, out, _ = invoke("disconnect", connection_id)
    assert (code, out.strip()) == (0, f"connection {connection_id}: disconnected")


def test_disconnect_without_xero_settings_says_what_is_missing(
    env: str, fake_xero: FakeXero, monkeypatch: pytest.MonkeyPatch
) -> None:
    [connection_id] = connect_through_the_api(env, fake_xero, "ws-cli", "t-1")
    monkeypatch.delenv("XERO_CONNECTOR_XERO_CLIENT_SECRET")

    code, _, err = invoke("disconnect", connection_id)

    assert code == 2
    assert "Xero credentials or the keyring are not configured" in err
    assert fake_xero.deleted_connections == []
