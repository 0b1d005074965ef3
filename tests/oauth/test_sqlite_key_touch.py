"""On SQLite, authenticating with an API key holds no write lock over the route's own work.

The key's ``last_used_at`` touch is written in a short session of its own, committed before the
route runs; a route that then asks ``TokenService`` (which writes from its own session) for a
token must not wait for SQLite's single writer.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter

from tests.connector_app import Browser, app_for, make_api_key, open_browser, outcome_of
from tests.fake_xero import FakeXero, Tenant
from xero_connector.api.deps import CallerDep, ContextDep, SessionDep
from xero_connector.context import AppContext
from xero_connector.db.models import Connection

# A route shaped like the ones to come: authenticate, then ask for a token mid-request.
token_router = APIRouter(prefix="/v1/probe")


@token_router.get("/token/{connection_id}")
async def token_for(
    connection_id: str, caller: CallerDep, session: SessionDep, context: ContextDep
) -> dict[str, bool]:
    connection = await session.get(Connection, connection_id)
    assert connection is not None
    assert context.token_service is not None
    token = await context.token_service.access_token(connection.grant_id)
    return {"token": bool(token)}


@pytest.fixture
async def sqlite_browser(sqlite_context: AppContext, fake_xero: FakeXero) -> AsyncIterator[Browser]:
    async with open_browser(sqlite_context, fake_xero) as browser:
        yield browser


async def test_a_route_asking_for_a_token_after_a_keys_first_use_does_not_wait(
    sqlite_browser: Browser,
) -> None:
    browser = sqlite_browser
    [connection_id] = outcome_of(await browser.connect([Tenant("t-1", "One")]))[
        "connection_ids"
    ].split(",")
    fresh_key = await make_api_key(browser.context)
    app = app_for(browser.context)
    app.include_router(token_router)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://test"
    ) as client:
        started = time.monotonic()
        response = await client.get(
            f"/v1/probe/token/{connection_id}", headers={"Authorization": f"Bearer {fresh_key}"}
        )
        elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text
    assert elapsed < 5, f"the token call waited {elapsed:.1f}s for SQLite's write lock"
