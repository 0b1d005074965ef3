"""The same task functions under both dispatchers: the in-process runner and arq (burst mode,
real Redis), plus the sweeper, the job id scheme and enqueue-after-commit."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from arq.connections import ArqRedis, RedisSettings, create_pool
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import REDIS_URL
from tests.tokens.fake_token_endpoint import FakeTokenEndpoint, make_identity
from tests.tokens.fixtures import SeedGrant
from xero_connector.db.models import AuditEvent, Connection, XeroGrant
from xero_connector.db.repos import grants
from xero_connector.jobs import ids
from xero_connector.jobs.after_commit import AfterCommitJobs
from xero_connector.jobs.arq_worker import ArqDispatcher, create_worker, worker_settings
from xero_connector.jobs.inprocess import InProcessRunner
from xero_connector.tasks.context import TaskResources
from xero_connector.tasks.registry import TASKS, crons
from xero_connector.tokens.service import TokenService

MakeService = Callable[..., TokenService]
# arq 0.28 closes its pool with redis-py's deprecated close()
ARQ_CLOSE = pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")


@pytest.fixture
async def redis() -> AsyncIterator[ArqRedis]:
    pool = await create_pool(RedisSettings.from_dsn(REDIS_URL))
    yield pool
    await pool.aclose()


@pytest.fixture
def queue() -> str:
    return f"xc-test-{uuid.uuid4().hex[:10]}"


async def _grants(sessions: async_sessionmaker[AsyncSession]) -> list[XeroGrant]:
    async with sessions() as session:
        return list((await session.scalars(select(XeroGrant))).all())


def _resources(
    service: TokenService, sessions: async_sessionmaker[AsyncSession], dispatcher: Any, http: Any
) -> TaskResources:
    return TaskResources(
        session_factory=sessions,
        tokens=service,
        remote=make_identity(http),
        dispatcher=dispatcher,
    )


async def _seed_mix(seed_grant: SeedGrant) -> dict[str, str]:
    """One grant of each kind the sweeper must tell apart."""
    return {
        "in_use_expiring": await seed_grant(expires_in=timedelta(minutes=5)),
        "in_use_fresh": await seed_grant(
            expires_in=timedelta(minutes=25), refreshed_ago=timedelta(minutes=5)
        ),
        "idle_expired": await seed_grant(used_ago=None, refreshed_ago=timedelta(hours=2)),
        "idle_old": await seed_grant(used_ago=None, refreshed_ago=timedelta(days=2)),
        "backing_off": await seed_grant(next_attempt_at=datetime.now(UTC) + timedelta(hours=1)),
        "needs_reauth": await seed_grant(status="needs_reauth"),
    }


async def test_in_process_runner_sweeps_and_refreshes_what_is_due(
    seed_grant: SeedGrant,
    make_service: MakeService,
    sessions: async_sessionmaker[AsyncSession],
    fake: FakeTokenEndpoint,
    http: Any,
) -> None:
    kinds = await _seed_mix(seed_grant)
    runner = InProcessRunner(TASKS, crons(60))
    runner.ctx["resources"] = _resources(make_service(), sessions, runner, http)
    counts = await runner.run_now(ids.SWEEP)
    await runner.drain()
    assert counts == {
        "refresh": 2,
        "remote_delete": 0,
        "revoke": 0,
        "sync": 0,
        "sync_scheduled": 0,
    }
    refreshed = {g.id for g in await _grants(sessions) if g.refresh_generation == 1}
    assert refreshed == {kinds["in_use_expiring"], kinds["idle_old"]}
    assert fake.calls == 2
    assert fake.connections_calls == 2


async def test_in_process_runner_drops_a_duplicate_job_id_but_not_the_next_generation(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    ran: list[tuple[str, int]] = []

    async def record(ctx: dict[str, Any], grant_id: str, generation: int) -> None:
        ran.append((grant_id, generation))

    runner = InProcessRunner({ids.REFRESH_GRANT: record})
    assert await runner.enqueue(ids.REFRESH_GRANT, "g", 1, job_id=ids.refresh_job_id("g", 1))
    assert not await runner.enqueue(ids.REFRESH_GRANT, "g", 1, job_id=ids.refresh_job_id("g", 1))
    await runner.drain()
    assert await runner.enqueue(ids.REFRESH_GRANT, "g", 2, job_id=ids.refresh_job_id("g", 2))
    await runner.drain()
    assert ran == [("g", 1), ("g", 2)]


@ARQ_CLOSE
async def test_arq_worker_runs_the_same_sweep_and_refreshes(
    seed_grant: SeedGrant,
    make_service: MakeService,
    sessions: async_sessionmaker[AsyncSession],
    fake: FakeTokenEndpoint,
    http: Any,
    redis: ArqRedis,
    queue: str,
) -> None:
    kinds = await _seed_mix(seed_grant)
    service = make_service()

    async def startup(ctx: dict[str, Any]) -> None:
        ctx["resources"] = _resources(service, sessions, ArqDispatcher(ctx["redis"], queue), http)

    async def shutdown(ctx: dict[str, Any]) -> None:
        return None

    settings = worker_settings(
        redis_url=REDIS_URL,
        queue_name=queue,
        tasks=TASKS,
        crons=[],
        on_startup=startup,
        on_shutdown=shutdown,
        max_jobs=5,
    )
    assert await ArqDispatcher(redis, queue).enqueue(ids.SWEEP, job_id="sweep-1")
    worker = create_worker(settings, burst=True, handle_signals=False, poll_delay=0.05)
    try:
        await worker.async_run()
    finally:
        await worker.close()
    assert worker.jobs_complete == 5  # the sweep, two refreshes, their two connections checks
    refreshed = {g.id for g in await _grants(sessions) if g.refresh_generation == 1}
    assert refreshed == {kinds["in_use_expiring"], kinds["idle_old"]}
    assert fake.calls == 2
    assert fake.connections_calls == 2


async def test_arq_dispatcher_reports_a_duplicate_and_frees_the_id_once_done(
    redis: ArqRedis, queue: str
) -> None:
    dispatcher = ArqDispatcher(redis, queue)
    job_id = ids.refresh_job_id("grant-x", 3)
    assert await dispatcher.enqueue(ids.REFRESH_GRANT, "grant-x", 3, job_id=job_id)
    assert not await dispatcher.enqueue(ids.REFRESH_GRANT, "grant-x", 3, job_id=job_id)
    assert await dispatcher.enqueue(
        ids.REFRESH_GRANT, "grant-x", 4, job_id=ids.refresh_job_id("grant-x", 4)
    )
    await redis.delete(queue, f"arq:job:{queue}:{job_id}", f"arq:job:{queue}:refresh:grant-x:g4")


async def test_jobs_are_enqueued_only_after_commit_and_dropped_on_rollback(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    enqueued: list[str] = []

    class Recorder:
        async def enqueue(self, job: str, *args: Any, job_id: str, defer_until: Any = None) -> bool:
            enqueued.append(job_id)
            return True

    async with sessions() as session:
        with AfterCommitJobs(session, Recorder()) as jobs:
            await session.execute(select(XeroGrant.id))  # a transaction is open
            jobs.add(ids.REVOKE_GRANT, "g1", job_id="revoke:g1:1")
            assert await jobs.flush() == 0
            await session.rollback()
            jobs.add(ids.REVOKE_GRANT, "g2", job_id="revoke:g2:1")
            assert await jobs.flush() == 0
            await session.commit()
            assert await jobs.flush() == 1
    assert enqueued == ["revoke:g2:1"]


async def test_owed_remote_delete_and_revocation_are_swept_and_settled(
    seed_grant: SeedGrant,
    make_service: MakeService,
    sessions: async_sessionmaker[AsyncSession],
    fake: FakeTokenEndpoint,
    http: Any,
) -> None:
    import respx

    now = datetime.now(UTC)
    grant_id = await seed_grant(expires_in=timedelta(minutes=25), revocation_due_at=now)
    async with sessions() as session:
        connection = (
            await session.scalars(select(Connection).where(Connection.grant_id == grant_id))
        ).one()
        connection.status = "disconnected"
        connection.remote_delete_due_at = now
        xero_id = connection.xero_connection_id
        await session.commit()
    deleted: list[str] = []

    def delete_at_xero(request: httpx.Request) -> httpx.Response:
        deleted.append(xero_id)
        return httpx.Response(204)

    with respx.mock(assert_all_called=False) as router:
        fake.mount(router)
        router.delete(f"https://api.tokens-fake.test/connections/{xero_id}").mock(
            side_effect=delete_at_xero
        )
        runner = InProcessRunner(TASKS, crons(60))
        runner.ctx["resources"] = _resources(make_service(), sessions, runner, http)
        counts = await runner.run_now(ids.SWEEP)
        await runner.drain()
    assert counts == {
        "refresh": 0,
        "remote_delete": 1,
        "revoke": 1,
        "sync": 0,
        "sync_scheduled": 0,
    }
    async with sessions() as session:
        grant = await session.get(XeroGrant, grant_id)
        settled = await session.get(Connection, connection.id)
    assert grant is not None
    assert settled is not None
    assert grant.token_ciphertext is None
    assert grant.revocation_due_at is None
    assert settled.remote_delete_due_at is None
    assert fake.revocations == 1


async def _connection_of(sessions: async_sessionmaker[AsyncSession], grant_id: str) -> Connection:
    async with sessions() as session:
        query = select(Connection).where(Connection.grant_id == grant_id)
        return (await session.scalars(query)).one()


async def test_a_scheduled_refresh_checks_the_tenants_and_disconnects_one_gone_from_xero(
    seed_grant: SeedGrant,
    make_service: MakeService,
    sessions: async_sessionmaker[AsyncSession],
    fake: FakeTokenEndpoint,
    http: Any,
) -> None:
    """Removed "from inside Xero": nothing calls the tenant, so only ``/connections`` can tell."""
    gone = await seed_grant(used_ago=None, refreshed_ago=timedelta(days=2))  # keep-alive due
    kept = await seed_grant(used_ago=None, refreshed_ago=timedelta(days=2))
    fake.tenants[gone] = set()
    runner = InProcessRunner(TASKS, crons(60))
    runner.ctx["resources"] = _resources(make_service(), sessions, runner, http)
    assert (await runner.run_now(ids.SWEEP))["refresh"] == 2
    await runner.drain()
    assert fake.connections_calls == 2
    disconnected = await _connection_of(sessions, gone)
    assert (disconnected.status, disconnected.status_reason) == (
        "disconnected",
        "disconnected from inside Xero",
    )
    assert (await _connection_of(sessions, kept)).status == "active"
    async with sessions() as session:
        audit = (await session.scalars(select(AuditEvent))).all()
    assert [(a.action, a.target) for a in audit] == [
        ("connection.disconnected_in_xero", f"connection:{disconnected.id}")
    ]


async def test_the_connections_check_does_not_make_an_idle_grant_look_in_use(
    seed_grant: SeedGrant,
    make_service: MakeService,
    sessions: async_sessionmaker[AsyncSession],
    fake: FakeTokenEndpoint,
    http: Any,
) -> None:
    """Otherwise every keep-alive would turn an idle grant into one refreshed ahead forever."""
    idle = await seed_grant(used_ago=None, refreshed_ago=timedelta(days=2))
    runner = InProcessRunner(TASKS, crons(60))
    runner.ctx["resources"] = _resources(make_service(), sessions, runner, http)
    await runner.run_now(ids.SWEEP)
    await runner.drain()
    assert fake.connections_calls == 1
    (grant,) = await _grants(sessions)
    assert (grant.id, grant.refresh_generation, grant.last_used_at) == (idle, 1, None)
    # half an hour on, its access token has expired: still idle, so not refreshed ahead
    later = datetime.now(UTC) + timedelta(minutes=31)
    async with sessions() as session:
        due = await grants.due_refreshes(
            session,
            now=later,
            margin=timedelta(minutes=10),
            in_use_window=timedelta(minutes=30),
            keepalive_after=timedelta(days=1),
            limit=10,
        )
    assert due == []
