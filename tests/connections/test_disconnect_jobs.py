"""DELETE /v1/connections/{id} with Xero failing: the retry job is enqueued right after the
request commits (never after a rollback), and run by the in-process runner it settles the debt."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import REDIS_URL, MakeDatabase
from tests.connector_app import Browser, _context, app_for, make_api_key, outcome_of
from tests.fake_xero import FakeXero, Tenant
from xero_connector.context import AppContext, task_resources
from xero_connector.db.engine import make_engine, make_session_factory
from xero_connector.db.models import Connection, XeroGrant
from xero_connector.errors import ServiceUnavailable
from xero_connector.jobs import ids
from xero_connector.jobs.arq_worker import ArqDispatcher, arq_redis
from xero_connector.jobs.inprocess import InProcessRunner
from xero_connector.settings import Settings
from xero_connector.tasks.registry import TASKS
from xero_connector.tokens.backoff import Backoff


class Recorder:
    """A dispatcher that records what it is asked to enqueue (but the settings pulls that every
    connect enqueues: the settings tests cover those)."""

    def __init__(self) -> None:
        self.jobs: list[tuple[str, tuple[Any, ...], str]] = []

    async def enqueue(self, job: str, *args: Any, job_id: str, defer_until: Any = None) -> bool:
        if job != ids.PULL_SETTINGS:
            self.jobs.append((job, args, job_id))
        return True


async def _connect(browser: Browser, *tenants: str) -> list[str]:
    response = await browser.connect([Tenant(t, f"Org {t}") for t in tenants])
    return outcome_of(response)["connection_ids"].split(",")


async def _delete(browser: Browser, connection_id: str) -> httpx.Response:
    return await browser.client.delete(f"/v1/connections/{connection_id}", headers=browser.headers)


async def _rows(context: AppContext, connection_id: str) -> tuple[Connection, XeroGrant]:
    async with context.session_factory() as session:
        connection = await session.get(Connection, connection_id)
        assert connection is not None
        grant = await session.get(XeroGrant, connection.grant_id)
        assert grant is not None
        return connection, grant


@pytest.fixture
def recorder(xero_context: AppContext) -> Recorder:
    recorder = Recorder()
    xero_context.dispatcher = recorder
    return recorder


async def test_a_failed_xero_delete_enqueues_one_retry_job_after_commit(
    browser: Browser, recorder: Recorder
) -> None:
    first, _second = await _connect(browser, "tenant-1", "tenant-2")
    browser.fake.fail_delete = "503"
    assert (await _delete(browser, first)).status_code == 204
    connection, _ = await _rows(browser.context, first)
    assert connection.remote_delete_due_at is not None
    due = connection.remote_delete_due_at
    assert recorder.jobs == [
        (ids.DELETE_REMOTE_CONNECTION, (first,), ids.remote_delete_job_id(first, due))
    ]


async def test_an_owed_revocation_is_enqueued_too(browser: Browser, recorder: Recorder) -> None:
    [connection_id] = await _connect(browser, "tenant-1")
    browser.fake.fail_delete = "503"
    browser.fake.fail_revoke = "503"
    assert (await _delete(browser, connection_id)).status_code == 204
    connection, grant = await _rows(browser.context, connection_id)
    assert connection.remote_delete_due_at is not None
    assert grant.revocation_due_at is not None
    assert [job_id for _, _, job_id in recorder.jobs] == [
        ids.remote_delete_job_id(connection_id, connection.remote_delete_due_at),
        ids.revoke_job_id(grant.id, grant.revocation_due_at),
    ]


async def test_a_request_that_rolls_back_enqueues_nothing(
    browser: Browser, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _second = await _connect(browser, "tenant-1", "tenant-2")
    browser.fake.fail_delete = "503"

    async def fail_before_the_commit(*args: Any, **kwargs: Any) -> None:
        raise ServiceUnavailable("the database went away")

    monkeypatch.setattr("xero_connector.db.repos.grants.mark_end_due", fail_before_the_commit)
    assert (await _delete(browser, first)).status_code == 503
    assert recorder.jobs == []


async def test_a_successful_disconnect_enqueues_nothing(
    browser: Browser, recorder: Recorder
) -> None:
    [connection_id] = await _connect(browser, "tenant-1")
    assert (await _delete(browser, connection_id)).status_code == 204
    assert recorder.jobs == []


async def test_with_arq_the_retry_job_lands_in_redis_under_its_job_id(
    browser: Browser, xero_context: AppContext
) -> None:
    queue = f"xc-test-{uuid.uuid4().hex[:10]}"
    redis = arq_redis(REDIS_URL)
    xero_context.dispatcher = ArqDispatcher(redis, queue)
    try:
        first, _second = await _connect(browser, "tenant-1", "tenant-2")
        browser.fake.fail_delete = "503"
        assert (await _delete(browser, first)).status_code == 204
        connection, _ = await _rows(browser.context, first)
        assert connection.remote_delete_due_at is not None
        job_id = f"{queue}:{ids.remote_delete_job_id(first, connection.remote_delete_due_at)}"
        queued = [j for j in await redis.zrange(queue, 0, -1) if b":settings-pull:" not in j]
        assert queued == [job_id.encode()]
        assert await redis.exists(f"arq:job:{job_id}") == 1
    finally:
        queued = await redis.zrange(queue, 0, -1)
        await redis.delete(queue, *(b"arq:job:" + job for job in queued))
        await redis.aclose()


@pytest.fixture
async def own_engine(make_database: MakeDatabase) -> AsyncIterator[AsyncEngine]:
    """A database of its own: the runner's jobs use their own sessions, concurrently."""
    engine = make_engine(await make_database())
    yield engine
    await engine.dispose()


@pytest.fixture
async def runner_browser(
    own_engine: AsyncEngine, fake_xero: FakeXero
) -> AsyncIterator[tuple[Browser, InProcessRunner]]:
    sessions = make_session_factory(own_engine)
    context = _context(sessions)
    assert context.token_service is not None
    assert context.xero_identity is not None
    # No crons: only the request's own enqueue can run the retry (the sweeper would too).
    runner = InProcessRunner(TASKS, max_tries=20, backoff=Backoff(0.02, 0.05))
    runner.ctx["resources"] = task_resources(
        Settings(),
        dispatcher=runner,
        session_factory=sessions,
        tokens=context.token_service,
        remote=context.xero_identity,
    )
    runner.ctx["resources"].owed_backoff = Backoff(0.02, 0.05)
    context.dispatcher = runner
    await context.start()
    key = await make_api_key(context)
    transport = httpx.ASGITransport(app_for(context))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Browser(client, fake_xero, context, {"Authorization": f"Bearer {key}"}), runner
    finally:
        await context.aclose()


async def test_the_in_process_runner_retries_the_delete_until_xero_answers(
    runner_browser: tuple[Browser, InProcessRunner],
) -> None:
    browser, runner = runner_browser
    first, _second = await _connect(browser, "tenant-1", "tenant-2")
    before, _ = await _rows(browser.context, first)
    browser.fake.fail_delete = "503"
    assert (await _delete(browser, first)).status_code == 204
    browser.fake.fail_delete = None  # Xero is back; the job's next try gets through
    await runner.drain()
    connection, grant = await _rows(browser.context, first)
    assert connection.remote_delete_due_at is None
    assert connection.remote_deleted_at is not None
    assert browser.fake.deleted_connections == [before.xero_connection_id]
    assert grant.token_ciphertext is not None  # tenant-2 still uses the grant
