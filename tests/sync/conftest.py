"""Sync engine fixtures: a database of its own (Postgres or SQLite), a connection, a fake org.

The engine opens several sessions at once, so each test gets its own database rather than a
rolled-back transaction. ``Harness.drive`` runs slices one after another (moving a fake clock
to each deferral) until the run is final, as the dispatcher would.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import MakeDatabase
from tests.ledger.seed import seed_connection
from tests.sync.fakes import FakeOrg, FakeTranslations
from xero_connector.db.engine import make_engine, make_session_factory
from xero_connector.db.models import Record, SyncBatch, SyncRun
from xero_connector.db.repos import records, sync_runs
from xero_connector.db.repos.records import RecordInput
from xero_connector.sync.engine import SyncEngine
from xero_connector.sync.requests import Trigger, request_sync


class Recorder:
    """A dispatcher that only records (the harness runs the slices itself)."""

    def __init__(self) -> None:
        self.jobs: list[tuple[str, tuple[Any, ...], str, datetime | None]] = []

    async def enqueue(
        self, job: str, *args: Any, job_id: str, defer_until: datetime | None = None
    ) -> bool:
        self.jobs.append((job, args, job_id, defer_until))
        return True


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Harness:
    sessions: async_sessionmaker[AsyncSession]
    connection_id: str
    org: FakeOrg
    translations: FakeTranslations
    engine: SyncEngine
    clock: Clock
    dispatcher: Recorder = field(default_factory=Recorder)

    async def ingest(self, kind: str, *items: dict[str, Any]) -> None:
        async with self.sessions() as session:
            await self.upsert(session, kind, *items)
            await session.commit()

    async def upsert(self, session: AsyncSession, kind: str, *items: dict[str, Any]) -> None:
        """Upsert ``items`` in the caller's transaction, which the caller commits."""
        inputs = [
            RecordInput(
                external_id=item["external_id"],
                payload=item,
                payload_hash=hashlib.sha256(json.dumps(item, sort_keys=True).encode()).hexdigest(),
                source_keys=[],
                voided=item.get("status") == "void",
            )
            for item in items
        ]
        await records.upsert_many(
            session, connection_id=self.connection_id, kind=kind, items=inputs
        )

    async def request(self, trigger: Trigger = "manual") -> str:
        async with self.sessions() as session:
            requested = await request_sync(session, self.connection_id, trigger, now=self.clock())
            await session.commit()
            return requested.run.id

    async def run(self, run_id: str) -> SyncRun:
        async with self.sessions() as session:
            run = await sync_runs.get_run(session, run_id)
            assert run is not None
            return run

    async def drive(self, run_id: str, *, max_slices: int = 200) -> SyncRun:
        for _ in range(max_slices):
            run = await self.run(run_id)
            if run.status in ("succeeded", "partial", "failed"):
                return run
            if run.not_before is not None and run.not_before > self.clock():
                self.clock.now = run.not_before
            await self.engine.run_slice(run.id, run.step)
        raise AssertionError("the run did not finish")

    async def sync(self, trigger: Trigger = "manual") -> SyncRun:
        return await self.drive(await self.request(trigger))

    async def records(self, kind: str | None = None) -> list[Record]:
        async with self.sessions() as session:
            query = select(Record).where(Record.connection_id == self.connection_id)
            if kind is not None:
                query = query.where(Record.kind == kind)
            return list((await session.scalars(query.order_by(Record.external_id))).all())

    async def batches(self) -> list[SyncBatch]:
        async with self.sessions() as session:
            return list((await session.scalars(select(SyncBatch))).all())


@pytest.fixture(params=["postgres", "sqlite"])
async def database_url(
    request: pytest.FixtureRequest, make_database: MakeDatabase, sqlite_url: str
) -> str:
    return await make_database() if request.param == "postgres" else sqlite_url


@pytest.fixture
async def harness(database_url: str) -> AsyncIterator[Harness]:
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    async with sessions() as session:
        connection_id = await seed_connection(session)
    org, translations, clock = FakeOrg(), FakeTranslations(), Clock()
    dispatcher = Recorder()
    sync = SyncEngine(
        session_factory=sessions,
        port=_Port(org),
        translations=translations,
        dispatcher=dispatcher,
        batch_size=10,
        concurrency=3,
        slice_seconds=60,
        clock=clock,
    )
    yield Harness(sessions, connection_id, org, translations, sync, clock, dispatcher)
    await engine.dispose()


@dataclass
class _Port:
    org: FakeOrg

    def tenant(self, connection_id: str, grant_id: str, tenant_id: str) -> FakeOrg:
        return self.org
