"""``xero-connector demo-data``: the demo set through the ingestion service (SQLite, Postgres)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest
import redis
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from tests.conftest import REDIS_URL, MakeDatabase
from tests.connector_app import KEY_ENTRY
from tests.fake_xero import CLIENT_ID, CLIENT_SECRET, ENDPOINTS, FakeXero, fake_xero
from tests.test_cli_connections import connect_through_the_api
from xero_connector.cli import app
from xero_connector.db.base import utcnow
from xero_connector.db.engine import make_engine
from xero_connector.db.models import Record, SyncRun
from xero_connector.db.repos.records import RecordInput
from xero_connector.demo_dataset import STATIC_JSON, as_json, dataset
from xero_connector.ledger.ingest import validate_item

__all__ = ["fake_xero"]

runner = CliRunner()
KIND_OF = {"contacts": "contact", "invoices": "invoice", "bank_transactions": "bank_transaction"}


def _use(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    for name, value in {
        "DATABASE_URL": database_url,
        "KEYS": KEY_ENTRY,
        "XERO_CLIENT_ID": CLIENT_ID,
        "XERO_CLIENT_SECRET": CLIENT_SECRET,
        "XERO_LOGIN_BASE": ENDPOINTS.login_base,
        "XERO_IDENTITY_BASE": ENDPOINTS.identity_base,
        "XERO_API_BASE": ENDPOINTS.api_base,
    }.items():
        monkeypatch.setenv(f"XERO_CONNECTOR_{name}", value)
    monkeypatch.delenv("XERO_CONNECTOR_REDIS_URL", raising=False)


def _stored(database_url: str, connection_id: str) -> tuple[dict[str, int], list[str]]:
    """Records per kind, and the ``trigger:status`` of the connection's sync runs."""

    async def read() -> tuple[dict[str, int], list[str]]:
        engine = make_engine(database_url)
        try:
            async with engine.connect() as connection:
                counts = await connection.execute(
                    select(Record.kind, func.count())
                    .where(Record.connection_id == connection_id)
                    .group_by(Record.kind)
                )
                runs = await connection.execute(
                    select(SyncRun.trigger, SyncRun.status)
                    .where(SyncRun.connection_id == connection_id)
                    .order_by(SyncRun.created_at)
                )
                return dict(counts.all()), [f"{t}:{s}" for t, s in runs.all()]
        finally:
            await engine.dispose()

    return asyncio.run(read())


def _finish_runs(database_url: str, connection_id: str) -> None:
    """The connection's first sync (asked for by the connect) done, as a worker would leave it."""

    async def write() -> None:
        engine = make_engine(database_url)
        try:
            async with engine.begin() as connection:
                await connection.execute(
                    update(SyncRun)
                    .where(SyncRun.connection_id == connection_id)
                    .values(status="succeeded", finished_at=utcnow())
                )
        finally:
            await engine.dispose()

    asyncio.run(write())


def test_the_page_serves_the_same_dataset_the_cli_loads() -> None:
    assert STATIC_JSON.read_text() == as_json(), (
        "run: python -m xero_connector.demo_dataset --write"
    )


def test_every_demo_item_passes_the_ingestion_checks() -> None:
    for part, items in dataset().items():
        for item in items:
            assert isinstance(validate_item(KIND_OF[part], item), RecordInput), item


def test_the_set_is_small_and_has_a_bill_and_a_void() -> None:
    data = dataset()
    sizes = {part: len(items) for part, items in data.items()}
    assert 10 <= sizes["contacts"] <= 20
    assert 20 <= sizes["invoices"] <= 30
    assert 8 <= sizes["bank_transactions"] <= 12
    assert any(item["type"] == "purchase" for item in data["invoices"])
    assert any(item["status"] == "void" for item in data["invoices"])
    # Xero's Demo Company (AU) has an active "ABC Furniture": Xero refuses a second one.
    assert any(item["name"] == "ABC Furniture" for item in data["contacts"])


def test_it_loads_every_active_connection_of_the_workspace_once(
    sqlite_url: str, fake_xero: FakeXero, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, sqlite_url)
    first, second = connect_through_the_api(sqlite_url, fake_xero, "ws-demo", "t-1", "t-2")
    (other,) = connect_through_the_api(sqlite_url, fake_xero, "ws-other", "t-3")

    result = runner.invoke(app, ["demo-data", "--workspace", "ws-demo"])

    assert result.exit_code == 0, result.output
    assert sorted(result.stdout.splitlines()) == sorted(
        f"connection {c}: 49 accepted" for c in (first, second)
    )
    counts, triggers = _stored(sqlite_url, first)
    assert counts == {"contact": 14, "invoice": 25, "bank_transaction": 10}
    # The connect's first run is still queued: the records join it (dev's sweeper starts it).
    assert triggers == ["connect:queued"]
    assert _stored(sqlite_url, other)[0] == {}

    again = runner.invoke(app, ["demo-data", "--workspace", "ws-demo", "--connection", first])
    assert again.exit_code == 0, again.output
    assert again.stdout.strip() == f"connection {first}: 49 unchanged"


def test_a_workspace_without_a_connection_is_told_to_connect_first(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, sqlite_url)
    result = runner.invoke(app, ["demo-data", "--workspace", "ws-empty"])
    assert result.exit_code == 1
    assert "no active connection" in result.stderr


def test_another_workspaces_connection_is_not_found(
    sqlite_url: str, fake_xero: FakeXero, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, sqlite_url)
    (theirs,) = connect_through_the_api(sqlite_url, fake_xero, "ws-theirs", "t-1")
    result = runner.invoke(app, ["demo-data", "--workspace", "ws-mine", "--connection", theirs])
    assert result.exit_code == 1
    assert "no such connection" in result.stderr


@pytest.fixture
def queue() -> Iterator[str]:
    """A queue of this test's own on the shared Redis, deleted afterwards."""
    name = f"xc-demo-{uuid.uuid4().hex[:10]}"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    try:
        doomed = list(client.scan_iter(match=f"*{name}*"))
        if doomed:
            client.delete(*doomed)
    finally:
        client.close()


@pytest.fixture
async def own_pg_url(make_database: MakeDatabase) -> str:
    """A database of this test's own: it commits connections (and their OAuth states), which
    the session's shared database must not keep for the tests after it."""
    return await make_database()


def test_on_postgres_with_redis_the_sync_job_is_enqueued_for_the_workers(
    own_pg_url: str, fake_xero: FakeXero, monkeypatch: pytest.MonkeyPatch, queue: str
) -> None:
    pg_url = own_pg_url
    _use(monkeypatch, pg_url)
    workspace = f"ws-{uuid.uuid4().hex[:8]}"
    (connection,) = connect_through_the_api(pg_url, fake_xero, workspace, "t-pg")
    _finish_runs(pg_url, connection)
    monkeypatch.setenv("XERO_CONNECTOR_REDIS_URL", REDIS_URL)
    monkeypatch.setenv("XERO_CONNECTOR_QUEUE_NAME", queue)

    result = runner.invoke(app, ["demo-data", "--workspace", workspace])

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"connection {connection}: 49 accepted"
    counts, triggers = _stored(pg_url, connection)
    assert sum(counts.values()) == 49
    assert triggers == ["connect:succeeded", "ingest:queued"]
    client = redis.Redis.from_url(REDIS_URL)
    try:
        assert client.zcard(queue) == 1  # the run's first slice, deferred by the debounce
    finally:
        client.close()
