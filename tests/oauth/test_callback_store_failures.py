"""A failure after a successful code exchange is a contract outcome, never a 500.

Two consents of the same organisation into one workspace at once (two tabs, two admins) both
read "no connection"; the second insert meets the first's row. It is stored as the reconnect it
would have been a moment later. Any other failure while storing ends in ``error=internal_error``
with what Xero just issued revoked, unless revoking would cut off a live connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import MakeDatabase
from tests.connector_app import Browser, _context, open_browser, outcome_of, state_of
from tests.fake_xero import FakeXero, Tenant
from xero_connector.db.base import new_id
from xero_connector.db.engine import make_engine, make_session_factory
from xero_connector.db.models import AuditEvent, Connection, XeroGrant

ONE = Tenant("tenant-1", "Demo Company (NZ)")
UNSTORABLE = Tenant("tenant-1", "N" * 300)  # longer than the column: the insert fails


@pytest.fixture
async def own_db_browser(
    make_database: MakeDatabase, fake_xero: FakeXero
) -> AsyncIterator[Browser]:
    """A browser on an app with a database of its own (two transactions really race)."""
    engine = make_engine(await make_database())
    context = _context(make_session_factory(engine), engine=engine)
    try:
        async with open_browser(context, fake_xero) as browser:
            yield browser
    finally:
        await context.aclose()


async def _hold_a_racing_connection(session: AsyncSession) -> str:
    """The other tab's transaction: its grant and connection inserted, not committed yet."""
    now = datetime.now(UTC)
    grant = XeroGrant(id=new_id(), workspace_id="ws-1", status="active", created_at=now)
    session.add(grant)
    await session.flush()
    connection = Connection(
        id=new_id(),
        workspace_id="ws-1",
        grant_id=grant.id,
        tenant_id=ONE.tenant_id,
        xero_connection_id="other-tab",
        status="active",
        created_at=now,
    )
    session.add(connection)
    await session.flush()
    return connection.id


async def _wait_for_a_lock_wait(session: AsyncSession, callback: asyncio.Task[Any]) -> None:
    for _ in range(600):  # up to 30 s on a loaded machine
        if callback.done():
            raise AssertionError(f"the callback ended without waiting: {callback.result().text}")
        waiting = await session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
        # pg_stat_activity is a snapshot per transaction: end it to see the next one.
        await session.rollback()
        if waiting:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the callback never waited for the other tab's row")


async def test_two_consents_racing_into_one_workspace_both_end_connected(
    own_db_browser: Browser,
) -> None:
    browser = own_db_browser
    url = await browser.authorize_url()
    code = browser.fake.consent(url, [ONE])
    async with (
        browser.context.session_factory() as other_tab,
        browser.context.session_factory() as watcher,
    ):
        other_id = await _hold_a_racing_connection(other_tab)
        callback = asyncio.create_task(browser.callback(code=code, state=state_of(url)))
        await _wait_for_a_lock_wait(watcher, callback)
        await other_tab.commit()
        response = await callback

    assert outcome_of(response) == {
        "tab": "connections",
        "status": "connected",
        "connection_ids": other_id,
    }
    async with browser.context.session_factory() as session:
        [connection] = (await session.scalars(select(Connection))).all()
        grant = await session.get(XeroGrant, connection.grant_id)
    assert grant is not None
    assert grant.token_ciphertext is not None  # this consent's grant now holds the connection
    assert browser.fake.revoked_tokens == []


async def test_an_unstorable_consent_is_an_error_outcome_and_is_revoked(browser: Browser) -> None:
    response = await browser.connect([UNSTORABLE])
    assert outcome_of(response)["error"] == "internal_error"
    assert await browser.count(Connection) == 0
    assert await browser.count(XeroGrant) == 0
    [issued] = [token for token, consent in browser.fake.refresh_tokens.items() if consent.revoked]
    assert browser.fake.revoked_tokens == [issued]
    async with browser.context.session_factory() as session:
        event = await session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "connect.callback", AuditEvent.result == "internal_error"
            )
        )
    assert event is not None
    assert event.detail is not None
    assert event.detail["revoked"] is True


async def test_an_unstorable_consent_is_not_revoked_when_its_user_is_live_elsewhere(
    browser: Browser,
) -> None:
    outcome_of(await browser.connect([ONE], workspace_id="ws-other"))
    response = await browser.connect([UNSTORABLE])
    assert outcome_of(response)["error"] == "internal_error"
    assert browser.fake.revoked_tokens == []  # revoking would remove ws-other's organisation
    assert len(browser.fake.connections) == 1
