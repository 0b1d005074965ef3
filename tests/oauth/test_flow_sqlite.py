"""The connect flow end to end on the SQLite path (embedded mode)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.connector_app import Browser, open_browser, outcome_of, state_of
from tests.fake_xero import FakeXero, Tenant
from xero_connector.context import AppContext
from xero_connector.db.models import Connection, XeroGrant


@pytest.fixture
async def sqlite_browser(sqlite_context: AppContext, fake_xero: FakeXero) -> AsyncIterator[Browser]:
    async with open_browser(sqlite_context, fake_xero) as browser:
        yield browser


async def test_connect_reconnect_replay_and_disconnect_on_sqlite(sqlite_browser: Browser) -> None:
    browser = sqlite_browser
    tenants = [Tenant("tenant-1", "One"), Tenant("tenant-2", "Two")]
    url = await browser.authorize_url()
    code = browser.fake.consent(url, tenants)
    first = outcome_of(await browser.callback(code=code, state=state_of(url)))
    ids = first["connection_ids"].split(",")
    assert len(ids) == 2

    replay = await browser.callback(code=code, state=state_of(url))
    assert replay.status_code == 400

    again = outcome_of(await browser.connect(tenants))
    assert sorted(again["connection_ids"].split(",")) == sorted(ids)
    assert await browser.count(Connection) == 2
    assert await browser.count(XeroGrant) == 2

    browser.fake.fail_token = "timeout"
    failed = outcome_of(await browser.connect([Tenant("tenant-3", "Three")]))
    assert failed["error"] == "xero_unavailable"
    assert await browser.count(Connection) == 2

    for connection_id in ids:
        response = await browser.client.delete(
            f"/v1/connections/{connection_id}", headers=browser.headers
        )
        assert response.status_code == 204
    listed = await browser.client.get(
        "/v1/connections", params={"workspace_id": "ws-1"}, headers=browser.headers
    )
    assert {item["status"] for item in listed.json()["items"]} == {"disconnected"}
    assert len(browser.fake.revoked_tokens) == 1
