"""``xero-connector sync start|status|list`` and ``records list|retry``: the REST API's services
at a terminal, on SQLite (dev, no Redis) and on Postgres with Redis (scale-out)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import update
from typer.testing import CliRunner

from tests.conftest import REDIS_URL, MakeDatabase
from tests.ledger.api_support import LedgerApi
from xero_connector.auth.authenticator import Authenticator
from xero_connector.cli import app
from xero_connector.context import AppContext
from xero_connector.db.engine import make_engine, make_session_factory
from xero_connector.db.models import Connection, Record
from xero_connector.db.repos import records
from xero_connector.db.repos.records import RecordInput
from xero_connector.jobs.arq_worker import arq_redis
from xero_connector.main import create_app
from xero_connector.settings import Settings

runner = CliRunner()


@pytest.fixture(params=["sqlite", "postgres"])
async def api(
    request: pytest.FixtureRequest,
    make_database: MakeDatabase,
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[LedgerApi]:
    """The REST API over a database the CLI commands are pointed at (Postgres: with Redis)."""
    url = await make_database() if request.param == "postgres" else sqlite_url
    monkeypatch.setenv("XERO_CONNECTOR_DATABASE_URL", url)
    monkeypatch.delenv("XERO_CONNECTOR_REDIS_URL", raising=False)
    if request.param == "postgres":
        monkeypatch.setenv("XERO_CONNECTOR_REDIS_URL", REDIS_URL)
        monkeypatch.setenv("XERO_CONNECTOR_QUEUE_NAME", f"xc-test-cli-{uuid.uuid4().hex[:10]}")
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    context = AppContext(
        session_factory=sessions, http=httpx.AsyncClient(), authenticator=Authenticator()
    )
    rest_app = create_app(Settings(), context=context)
    transport = httpx.ASGITransport(rest_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        ledger = LedgerApi(rest_app, client, sessions, {})
        ledger.service = await ledger.key()
        yield ledger
    await context.aclose()
    await engine.dispose()


@pytest.fixture
async def queued_jobs() -> AsyncIterator[Redis]:
    """The Redis the Postgres variant's commands enqueue into (their queue removed after)."""
    client = arq_redis(REDIS_URL)
    yield client
    queue = Settings().queue_name
    doomed = [key async for key in client.scan_iter(match=f"*{queue}*")]
    if doomed and queue.startswith("xc-test-cli-"):
        await client.delete(*doomed)
    await client.aclose()


async def cli(*args: str) -> tuple[int, str, str]:
    """The command in a thread of its own (it runs its own event loop)."""
    result = await asyncio.to_thread(runner.invoke, app, list(args))
    return result.exit_code, result.stdout, result.stderr


async def ingest(api: LedgerApi, connection_id: str, *external_ids: str) -> list[str]:
    """Contacts in the outbox, as ingestion stores them; their record ids."""
    inputs = [
        RecordInput(
            external_id=external_id,
            payload={"external_id": external_id, "name": external_id},
            payload_hash=hashlib.sha256(external_id.encode()).hexdigest(),
            source_keys=[],
            voided=False,
        )
        for external_id in external_ids
    ]
    async with api.sessions() as session:
        await records.upsert_many(
            session, connection_id=connection_id, kind="contact", items=inputs
        )
        await session.commit()
        page = await records.list_records(session, connection_id=connection_id, limit=100)
    return [record.id for record in page]


async def fail(api: LedgerApi, record_id: str, message: str) -> None:
    async with api.sessions() as session:
        await session.execute(
            update(Record)
            .where(Record.id == record_id)
            .values(status="failed", errors=[message], attempts=1)
        )
        await session.commit()


def rest_json(response: httpx.Response) -> Any:
    assert response.status_code < 300, response.text
    return response.json()


async def test_sync_start_queues_a_run_and_status_and_list_show_it_as_the_api_does(
    api: LedgerApi, queued_jobs: Redis
) -> None:
    connection_id = await api.connection("ws-cli")

    code, out, err = await cli("sync", "start", connection_id, "--json")

    assert code == 0, err
    run = json.loads(out)
    assert (run["status"], run["trigger"], run["connection_id"]) == (
        "queued",
        "manual",
        connection_id,
    )
    rest = rest_json(await api.client.get(f"/v1/syncs/{run['id']}", headers=api.service))
    code, out, _ = await cli("sync", "status", run["id"], "--json")
    assert json.loads(out) == rest == run
    code, out, _ = await cli("sync", "list", connection_id, "--json")
    listed = rest_json(
        await api.client.get(f"/v1/connections/{connection_id}/syncs", headers=api.service)
    )
    assert json.loads(out) == listed
    assert [item["id"] for item in listed["items"]] == [run["id"]]
    if Settings().redis_url:  # scale-out: the first slice waits in Redis for a worker
        assert await queued_jobs.zcard(Settings().queue_name) == 1

    code, out, err = await cli("sync", "start", connection_id)
    assert code == 0
    assert "a run is already queued" in err
    fields = dict(line.split(maxsplit=1) for line in out.split("\n\n")[0].splitlines())
    assert fields["id"] == run["id"]
    assert fields["progress"] == "0/0"
    assert out.split("\n\n")[1].splitlines()[0].split() == [
        "kind",
        "synced",
        "failed",
        "blocked",
        "pending",
    ]
    code, out, _ = await cli("sync", "list", connection_id)
    header, row = out.splitlines()
    assert header.split()[:3] == ["id", "trigger", "status"]
    assert row.split()[:3] == [run["id"], "manual", "queued"]


async def test_sync_start_of_an_inactive_connection_fails_with_the_apis_reason(
    api: LedgerApi,
) -> None:
    connection_id = await api.connection("ws-cli")
    async with api.sessions() as session:
        await session.execute(
            update(Connection).where(Connection.id == connection_id).values(status="needs_reauth")
        )
        await session.commit()

    code, out, err = await cli("sync", "start", connection_id)

    assert (code, out) == (2, "")
    assert "the connection is needs_reauth" in err


@pytest.mark.parametrize(
    "args",
    [["sync", "start", "no-such"], ["sync", "status", "no-such"], ["sync", "list", "no-such"]],
)
async def test_an_unknown_id_fails_with_1(api: LedgerApi, args: list[str]) -> None:
    code, out, err = await cli(*args)
    assert (code, out) == (1, "")
    assert "error: no such" in err


async def test_records_list_filters_and_pages_as_the_api_does(api: LedgerApi) -> None:
    connection_id = await api.connection("ws-cli")
    ids = await ingest(api, connection_id, "c-1", "c-2", "c-3")
    await fail(api, ids[1], "The contact name is already used")

    code, out, err = await cli("records", "list", connection_id, "--limit", "2", "--json")
    assert code == 0, err
    page = json.loads(out)
    rest = rest_json(
        await api.client.get(
            f"/v1/connections/{connection_id}/records?limit=2", headers=api.service
        )
    )
    assert page == rest
    assert [item["external_id"] for item in page["items"]] == ["c-1", "c-2"]
    code, out, _ = await cli(
        "records", "list", connection_id, "--cursor", page["next_cursor"], "--json"
    )
    assert [item["external_id"] for item in json.loads(out)["items"]] == ["c-3"]

    code, out, _ = await cli("records", "list", connection_id, "--status", "failed")
    header, row = out.splitlines()
    assert header.split() == [
        "id",
        "kind",
        "external_id",
        "status",
        "version",
        "xero_id",
        "attempts",
        "why",
    ]
    assert row.split()[:4] == [ids[1], "contact", "c-2", "failed"]
    assert row.endswith("The contact name is already used")
    code, out, _ = await cli("records", "list", connection_id, "--external-id", "c-3", "--json")
    assert [item["id"] for item in json.loads(out)["items"]] == [ids[2]]
    code, _, err = await cli("records", "list", connection_id, "--status", "lost")
    assert code == 2
    assert "lost" in err


async def test_records_retry_makes_a_failed_record_pending_and_asks_for_a_sync(
    api: LedgerApi, queued_jobs: Redis
) -> None:
    connection_id = await api.connection("ws-cli")
    [record_id] = await ingest(api, connection_id, "c-1")
    await fail(api, record_id, "Xero refused it")

    code, out, err = await cli("records", "retry", connection_id, record_id, "--json")

    assert code == 0, err
    retried = json.loads(out)
    assert (retried["id"], retried["status"]) == (record_id, "pending")
    assert retried == rest_json(
        await api.client.get(
            f"/v1/connections/{connection_id}/records/{record_id}", headers=api.service
        )
    )
    [run] = rest_json(
        await api.client.get(f"/v1/connections/{connection_id}/syncs", headers=api.service)
    )["items"]
    assert (run["trigger"], run["status"]) == ("retry", "queued")
    if Settings().redis_url:
        assert await queued_jobs.zcard(Settings().queue_name) == 1

    code, out, err = await cli("records", "retry", connection_id, record_id)
    assert (code, out) == (2, "")
    assert "only a failed record can be retried; this one is pending" in err


async def test_records_retry_of_another_connections_record_is_unknown(api: LedgerApi) -> None:
    mine, other = await api.connection("ws-cli"), await api.connection("ws-other")
    [record_id] = await ingest(api, other, "c-1")
    await fail(api, record_id, "Xero refused it")

    code, _, err = await cli("records", "retry", mine, record_id)

    assert code == 1
    assert "no such record" in err
    code, _, err = await cli("records", "list", "no-such-connection")
    assert code == 1
    assert "no such connection" in err
