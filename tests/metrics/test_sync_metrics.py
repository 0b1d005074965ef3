"""Sync throughput and run duration (counted where they happen), the outbox's depth and the age
of its oldest pending record (read from the database when ``/metrics`` is scraped, and every
few seconds in a worker serving its own port)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import REDIS_URL
from tests.ledger.seed import seed_connection
from tests.metrics.test_metrics import sample
from tests.sync.conftest import Harness, database_url, harness
from xero_connector.auth.authenticator import Authenticator
from xero_connector.context import AppContext, arq_settings
from xero_connector.db.engine import make_engine, make_session_factory
from xero_connector.db.models import Connection, Record
from xero_connector.db.repos import records
from xero_connector.db.repos.records import RecordInput
from xero_connector.jobs.arq_worker import arq_redis
from xero_connector.main import create_app
from xero_connector.metrics import REGISTRY
from xero_connector.metrics.registry import set_outbox_depth
from xero_connector.settings import Settings
from xero_connector.vault import generate_key_entry

__all__ = ["database_url", "harness"]

ELEMENTS = "xero_connector_sync_elements_total"
DURATION = "xero_connector_sync_run_duration_seconds"
DEPTH = "xero_connector_outbox_depth"
OLDEST = "xero_connector_outbox_oldest_pending_age_seconds"


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def contact(n: int, name: str | None = None) -> dict[str, str]:
    return {"external_id": f"c-{n}", "name": name or f"Contact {n}"}


async def test_a_runs_elements_are_counted_by_kind_and_outcome_and_its_duration_by_status(
    harness: Harness,
) -> None:
    synced = value(ELEMENTS, kind="contact", outcome="synced")
    failed = value(ELEMENTS, kind="contact", outcome="failed")
    partial_runs = value(f"{DURATION}_count", status="partial")
    partial_seconds = value(f"{DURATION}_sum", status="partial")
    # The fake organisation refuses a second contact of the same name (c-2).
    await harness.ingest("contact", contact(1, "Acme"), contact(2, "ACME"), contact(3))
    run_id = await harness.request()
    harness.clock.advance(42)  # the run starts 42 s after it was asked for
    run = await harness.drive(run_id)

    assert run.status == "partial"
    assert value(ELEMENTS, kind="contact", outcome="synced") == synced + 2
    assert value(ELEMENTS, kind="contact", outcome="failed") == failed + 1
    assert value(f"{DURATION}_count", status="partial") == partial_runs + 1
    assert run.started_at is not None
    assert run.finished_at is not None
    took = (run.finished_at - run.started_at).total_seconds()
    assert took < 42  # timed from its first slice, not from the request
    assert value(f"{DURATION}_sum", status="partial") == pytest.approx(partial_seconds + took)


async def test_a_lost_answer_counts_its_elements_uncertain_once(harness: Harness) -> None:
    uncertain = value(ELEMENTS, kind="contact", outcome="uncertain")
    succeeded = value(f"{DURATION}_count", status="succeeded")
    await harness.ingest("contact", *(contact(n) for n in range(5)))
    harness.org.script = ["lose"]  # applied in Xero, the answer lost: found again by key

    run = await harness.sync()

    assert run.status == "succeeded"
    assert value(ELEMENTS, kind="contact", outcome="uncertain") == uncertain + 5
    assert value(f"{DURATION}_count", status="succeeded") == succeeded + 1


async def test_a_run_failed_before_it_started_is_timed_from_its_creation(
    harness: Harness,
) -> None:
    failed_runs = value(f"{DURATION}_count", status="failed")
    failed_seconds = value(f"{DURATION}_sum", status="failed")
    run_id = await harness.request()
    async with harness.sessions() as session:
        await session.execute(
            update(Connection)
            .where(Connection.id == harness.connection_id)
            .values(status="disconnected")
        )
        await session.commit()
    harness.clock.advance(7)

    run = await harness.drive(run_id)

    assert run.status == "failed"
    assert value(f"{DURATION}_count", status="failed") == failed_runs + 1
    assert value(f"{DURATION}_sum", status="failed") == pytest.approx(failed_seconds + 7)


async def _ingest(
    sessions: async_sessionmaker[AsyncSession], connection_id: str, count: int
) -> list[str]:
    inputs = [
        RecordInput(
            external_id=f"c-{n}",
            payload=contact(n),
            payload_hash=hashlib.sha256(str(n).encode()).hexdigest(),
            source_keys=[],
            voided=False,
        )
        for n in range(count)
    ]
    async with sessions() as session:
        await records.upsert_many(
            session, connection_id=connection_id, kind="contact", items=inputs
        )
        await session.commit()
        return [r.id for r in await records.list_records(session, connection_id=connection_id)]


async def _set(
    sessions: async_sessionmaker[AsyncSession], record_id: str, **values: object
) -> None:
    async with sessions() as session:
        await session.execute(update(Record).where(Record.id == record_id).values(**values))
        await session.commit()


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The api over a database of this test alone (Postgres or SQLite): the gauges count all."""
    engine = make_engine(database_url)
    context = AppContext(
        session_factory=make_session_factory(engine),
        http=httpx.AsyncClient(),
        authenticator=Authenticator(),
        engine=engine,
    )
    transport = httpx.ASGITransport(create_app(Settings(), context=context))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client
    await context.aclose()


async def test_the_outbox_depth_and_the_oldest_pending_age_are_read_at_scrape_time(
    client: httpx.AsyncClient, database_url: str
) -> None:
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    try:
        assert await sample(client, DEPTH, status="pending") == 0
        assert await sample(client, OLDEST) == 0
        async with sessions() as session:
            connection_id = await seed_connection(session)
        ids = await _ingest(sessions, connection_id, 6)
        an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
        await _set(sessions, ids[0], updated_at=an_hour_ago)
        await _set(sessions, ids[1], status="blocked", blocked_reason="no mapping")
        await _set(sessions, ids[2], status="failed")
        await _set(sessions, ids[3], status="synced")

        assert await sample(client, DEPTH, status="pending") == 3
        assert await sample(client, DEPTH, status="blocked") == 1
        assert await sample(client, DEPTH, status="failed") == 1
        assert await sample(client, DEPTH, status="uncertain") == 0
        assert await sample(client, DEPTH, status="synced") == 0  # not in the outbox any more
        age = await sample(client, OLDEST)
        assert 3600 <= age < 3600 + 300

        await _set(sessions, ids[0], status="synced")
        assert await sample(client, OLDEST) < 300
    finally:
        await engine.dispose()


async def test_a_worker_serving_metrics_refreshes_the_gauges_itself(
    sessions: async_sessionmaker[AsyncSession], db_url: str
) -> None:
    async with sessions() as session:
        connection_id = await seed_connection(session)
    await _ingest(sessions, connection_id, 2)
    set_outbox_depth({}, 0.0)  # whatever an earlier test's scrape left
    settings = Settings(
        database_url=db_url,
        redis_url=REDIS_URL,
        queue_name="xc-test-worker-gauges",
        keys=generate_key_entry(),
        xero_client_id="client",
        xero_client_secret="a-secret-of-the-test",
        worker_metrics_port=9,  # only read here: nothing listens in this test
    )
    hooks = arq_settings(settings)
    ctx: dict[str, object] = {"redis": arq_redis(REDIS_URL)}
    await hooks["on_startup"](ctx)
    try:
        for _ in range(100):  # the first refresh runs as soon as the task starts
            if value(DEPTH, status="pending") == 2:
                break
            await asyncio.sleep(0.05)
        assert value(DEPTH, status="pending") == 2
        assert isinstance(ctx["gauges"], asyncio.Task)
    finally:
        await hooks["on_shutdown"](ctx)
        await ctx["redis"].aclose()  # type: ignore[attr-defined]
    assert "gauges" not in ctx
