"""Callback outcomes for odd Xero answers, refused states seen by a browser, and racing consents."""

from __future__ import annotations

import httpx

from tests.connector_app import Browser, outcome_of, state_of
from tests.fake_xero import Tenant
from xero_connector.db.models import Connection, XeroGrant

ONE = Tenant("tenant-1", "Demo Company (NZ)")
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


async def _nothing_stored(browser: Browser) -> None:
    assert await browser.count(Connection) == 0
    assert await browser.count(XeroGrant) == 0


async def test_a_jwks_that_is_not_an_object_is_xero_unavailable(browser: Browser) -> None:
    browser.fake.fail_jwks = httpx.Response(200, json=[{"kty": "RSA"}])
    response = await browser.connect([ONE])
    assert outcome_of(response)["error"] == "xero_unavailable"
    await _nothing_stored(browser)


async def test_a_jwks_without_usable_keys_is_xero_unavailable(browser: Browser) -> None:
    browser.fake.fail_jwks = httpx.Response(200, json={"keys": "none"})
    response = await browser.connect([ONE])
    assert outcome_of(response)["error"] == "xero_unavailable"
    await _nothing_stored(browser)


async def test_organisations_without_an_auth_event_are_not_attached(browser: Browser) -> None:
    # As if Xero omitted authEventId: every organisation the user ever connected is listed.
    browser.fake.fail_connections = httpx.Response(
        200,
        json=[
            {"id": "c-1", "tenantId": "tenant-1", "tenantType": "ORGANISATION"},
            {"id": "c-2", "tenantId": "tenant-old", "tenantType": "ORGANISATION"},
        ],
    )
    response = await browser.connect([ONE])
    assert outcome_of(response)["error"] == "no_organisation"
    await _nothing_stored(browser)


async def test_a_replayed_state_shows_a_browser_the_html_page(browser: Browser) -> None:
    url = await browser.authorize_url()
    code = browser.fake.consent(url, [ONE])
    outcome_of(await browser.callback(code=code, state=state_of(url)))
    replay = await browser.client.get(
        "/v1/callback",
        params={"code": code, "state": state_of(url)},
        headers={"Accept": BROWSER_ACCEPT},
    )
    assert replay.status_code == 400
    assert replay.headers["content-type"].startswith("text/html")
    assert replay.headers["cache-control"] == "no-store"
    assert "invalid_state" in replay.text
    assert '"status": "error"' in replay.text
    assert "location" not in replay.headers


async def test_a_forged_state_shows_a_browser_the_html_page(browser: Browser) -> None:
    response = await browser.client.get(
        "/v1/callback", params={"state": "forged"}, headers={"Accept": BROWSER_ACCEPT}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "start connecting again" in response.text.lower()


async def test_a_refused_state_is_problem_json_for_a_program(browser: Browser) -> None:
    for accept in ("application/json", "application/problem+json", "*/*"):
        response = await browser.client.get(
            "/v1/callback", params={"state": "forged"}, headers={"Accept": accept}
        )
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "invalid_state"
