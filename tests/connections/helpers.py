"""Steps the disconnect tests share: connect through the fake Xero, delete, read rows back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.connector_app import Browser, outcome_of
from tests.fake_xero import Tenant
from xero_connector.db.models import AuditEvent, Connection, XeroGrant
from xero_connector.jobs.inprocess import InProcessRunner
from xero_connector.tasks.context import TaskResources


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
