"""``rate_limited_until`` in a connection's JSON: shown while Xero's daily limit parks it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.connections.helpers import connect
from tests.connector_app import Browser
from xero_connector.xero.tenant_status import TenantStatus


async def test_a_parked_tenant_shows_until_when_on_its_connection(browser: Browser) -> None:
    [connection_id] = await connect(browser, "ws-limits", "tenant-parked")
    until = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    await TenantStatus(browser.context.session_factory).parked("tenant-parked", until)
    response = await browser.client.get(f"/v1/connections/{connection_id}", headers=browser.headers)
    assert response.json()["rate_limited_until"] == "2030-01-02T03:04:05Z"


async def test_a_park_that_has_passed_reads_as_null(browser: Browser) -> None:
    await connect(browser, "ws-limits-2", "tenant-was-parked")
    passed = datetime.now(UTC) - timedelta(minutes=1)
    await TenantStatus(browser.context.session_factory).parked("tenant-was-parked", passed)
    listed = await browser.client.get(
        "/v1/connections", params={"workspace_id": "ws-limits-2"}, headers=browser.headers
    )
    assert [item["rate_limited_until"] for item in listed.json()["items"]] == [None]
