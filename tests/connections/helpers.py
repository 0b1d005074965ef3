"""Steps the disconnect tests share: connect through the fake Xero, delete, read rows back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from tests.connector_app import Browser, outcome_of
from tests.fake_xero import Tenant
from xero_connector.db.models import AuditEvent, Connection, XeroGrant
from xero_connector.jobs import ids
from xero_connector.jobs.dispatch import JobArg
from xero_connector.jobs.inprocess import InProcessRunner
from xero_connector.tasks.context import TaskResources
from xero_connector.tasks.registry import TASKS


async def connect(browser: Browser, workspace_id: str, *tenants: str) -> list[str]:
    """Connect ``tenants`` into ``workspace_id`` as the fake's current user; the connection ids."""
    response = await browser.connect([Tenant(t, f"Org {t}") for t in tenants], workspace_id)
    return outcome_of(response)["connection_ids"].split(",")


async def delete(browser: Browser, connection_id: str) -> int:
    response = await browser.client.delete(
        f"/v1/connections/{connection_id}", headers=browser.headers
    )
    return response.status_code


async def rows(browser: Browser, connection_id: str) -> tuple[Connection, XeroGrant]:
    async with browser.context.session_factory() as session:
        connection = await session.get(Connection, connection_id, populate_existing=True)
        assert connection is not None
        grant = await session.get(XeroGrant, connection.grant_id, populate_existing=True)
        assert grant is not None
        return connection, grant


async def audit_events(browser: Browser, action: str) -> list[AuditEvent]:
    async with browser.context.session_factory() as session:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.at)
        return list((await session.scalars(query)).all())


def task_ctx(browser: Browser) -> dict[str, Any]:
    """What the dispatcher hands a task, over the test's database and fake Xero."""
    context = browser.context
    assert context.token_service is not None
    assert context.xero_identity is not None
    resources = TaskResources(
        session_factory=context.session_factory,
        tokens=context.token_service,
        remote=context.xero_identity,
        dispatcher=InProcessRunner({}),
    )
    return {"resources": resources}


class OneByOne:
    """A dispatcher that keeps what is due now for ``run_all`` to run one job after the other
    (the tests' sessions share one database connection) and drops deferred jobs: the next sweep
    at their time finds them in the rows, which is what the tests drive."""

    def __init__(self) -> None:
        self.queued: list[tuple[str, tuple[JobArg, ...]]] = []

    async def enqueue(
        self, job: str, *args: JobArg, job_id: str, defer_until: datetime | None = None
    ) -> bool:
        if defer_until is None:
            self.queued.append((job, args))
        return defer_until is None

    async def run_all(self, runner: InProcessRunner) -> None:
        while self.queued:
            job, args = self.queued.pop(0)
            await runner.run_now(job, *args)


async def sweep_at(browser: Browser, now: datetime) -> None:
    """One sweep with the clock at ``now``, and every job it enqueued, to the end."""
    context = browser.context
    assert context.token_service is not None
    assert context.xero_identity is not None
    queue = OneByOne()
    runner = InProcessRunner(TASKS, max_tries=1)
    runner.ctx["resources"] = TaskResources(
        session_factory=context.session_factory,
        tokens=context.token_service,
        remote=context.xero_identity,
        dispatcher=queue,
        clock=lambda: now,
    )
    await runner.run_now(ids.SWEEP)
    await queue.run_all(runner)
