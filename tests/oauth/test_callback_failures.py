"""Callback failures: untrusted states (400, never a redirect) and failed steps (error redirect)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from joserfc.jwk import RSAKey
from sqlalchemy import select, update

from tests.connector_app import Browser, outcome_of, state_of
from tests.fake_xero import JWKS_URL, Tenant
from xero_connector.db.models import AuditEvent, Connection, OAuthState, XeroGrant
from xero_connector.oauth.pending import hash_state

ONE = Tenant("tenant-1", "Demo Company (NZ)")


async def _nothing_stored(browser: Browser) -> None:
    assert await browser.count(Connection) == 0
    assert await browser.count(XeroGrant) == 0


def _assert_state_problem(response: Any) -> None:
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert "location" not in response.headers
    assert response.json()["code"] == "invalid_state"


async def test_a_reused_state_is_refused(browser: Browser) -> None:
    url = await browser.authorize_url()
    code = browser.fake.consent(url, [ONE])
    first = await browser.callback(code=code, state=state_of(url))
    assert outcome_of(first)["status"] == "connected"
    _assert_state_problem(await browser.callback(code=code, state=state_of(url)))


async def test_a_state_is_consumed_even_when_the_callback_failed(browser: Browser) -> None:
    url = await browser.authorize_url()
    await browser.callback(error="access_denied", state=state_of(url))
    code = browser.fake.consent(url, [ONE])
    _assert_state_problem(await browser.callback(code=code, state=state_of(url)))
    await _nothing_stored(browser)


async def test_an_expired_state_is_refused(browser: Browser) -> None:
    url = await browser.authorize_url()
    async with browser.context.session_factory() as session:
        await session.execute(
            update(OAuthState)
            .where(OAuthState.state_hash == hash_state(state_of(url)))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        await session.commit()
    code = browser.fake.consent(url, [ONE])
    _assert_state_problem(await browser.callback(code=code, state=state_of(url)))
    await _nothing_stored(browser)
    assert browser.fake.token_requests == []


@pytest.mark.parametrize("state", ["forged-state-value", "", None])
async def test_a_forged_or_missing_state_is_refused(browser: Browser, state: str | None) -> None:
    url = await browser.authorize_url()
    code = browser.fake.consent(url, [ONE])
    params = {"code": code} if state is None else {"code": code, "state": state}
    _assert_state_problem(await browser.callback(**params))
    await _nothing_stored(browser)


async def test_a_refused_state_is_audited(browser: Browser) -> None:
    url = await browser.authorize_url()
    await browser.callback(error="access_denied", state=state_of(url))
    await browser.callback(code="c", state=state_of(url))
    async with browser.context.session_factory() as session:
        event = await session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "connect.callback", AuditEvent.result == "rejected"
            )
        )
    assert event is not None
    assert (event.result, event.detail) == ("rejected", {"problem": "state reused"})


@pytest.mark.parametrize("error", ["access_denied", "invalid_scope", "server_error"])
async def test_xero_errors_are_passed_through(browser: Browser, error: str) -> None:
    url = await browser.authorize_url()
    response = await browser.callback(error=error, state=state_of(url))
    assert outcome_of(response) == {"tab": "connections", "status": "error", "error": error}
    await _nothing_stored(browser)


async def test_an_odd_xero_error_value_is_not_echoed(browser: Browser) -> None:
    url = await browser.authorize_url()
    response = await browser.callback(error="<script>alert(1)</script>", state=state_of(url))
    assert outcome_of(response)["error"] == "server_error"


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        ("invalid_grant", "exchange_failed"),
        ("invalid_client", "exchange_failed"),
        ("500", "xero_unavailable"),
        ("timeout", "xero_unavailable"),
    ],
)
async def test_a_failed_code_exchange_redirects_with_an_error_and_stores_nothing(
    browser: Browser, failure: str, error: str
) -> None:
    browser.fake.fail_token = failure
    response = await browser.connect([ONE])
    assert outcome_of(response)["error"] == error
    await _nothing_stored(browser)


def _claims(**changes: Any) -> Any:
    return lambda claims: {**claims, **changes}


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param({"id_token_claims": _claims(aud="another-app")}, id="audience"),
        pytest.param({"id_token_claims": _claims(nonce="replayed-nonce")}, id="nonce"),
        pytest.param({"id_token_key": RSAKey.generate_key(2048)}, id="signature"),
    ],
)
async def test_a_bad_id_token_redirects_with_invalid_id_token(
    browser: Browser, tamper: dict[str, Any]
) -> None:
    for name, value in tamper.items():
        setattr(browser.fake, name, value)
    response = await browser.connect([ONE])
    assert outcome_of(response)["error"] == "invalid_id_token"
    await _nothing_stored(browser)


async def test_a_consent_without_organisation_is_no_organisation(browser: Browser) -> None:
    response = await browser.connect([])
    assert outcome_of(response)["error"] == "no_organisation"
    await _nothing_stored(browser)


async def test_an_unreachable_connections_endpoint_is_xero_unavailable(browser: Browser) -> None:
    browser.fake.fail_connections = "503"
    response = await browser.connect([ONE])
    assert outcome_of(response)["error"] == "xero_unavailable"
    await _nothing_stored(browser)


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(httpx.Response(200, json={"access_token": "a"}), id="no-refresh-token"),
        pytest.param(
            httpx.Response(
                200, json={"access_token": "a", "refresh_token": "r", "expires_in": "soon"}
            ),
            id="odd-expiry",
        ),
    ],
)
async def test_a_malformed_token_answer_redirects_with_xero_unavailable_and_stores_nothing(
    browser: Browser, answer: httpx.Response
) -> None:
    browser.fake.fail_token = answer
    response = await browser.connect([ONE])
    assert outcome_of(response)["error"] == "xero_unavailable"
    await _nothing_stored(browser)


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(httpx.Response(200, text="<html>maintenance</html>"), id="not-json"),
        pytest.param(httpx.Response(200, json={"items": []}), id="not-a-list"),
        pytest.param(httpx.Response(200, json=[{"id": "c-1"}]), id="no-tenant-id"),
    ],
)
async def test_a_malformed_connections_answer_redirects_with_xero_unavailable_and_stores_nothing(
    browser: Browser, answer: httpx.Response
) -> None:
    browser.fake.fail_connections = answer
    response = await browser.connect([ONE])
    assert outcome_of(response)["error"] == "xero_unavailable"
    await _nothing_stored(browser)


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(httpx.Response(200, text="<html>maintenance</html>"), id="not-json"),
        pytest.param(httpx.Response(200, json={"jwks_uri": JWKS_URL}), id="no-issuer"),
    ],
)
async def test_a_malformed_discovery_document_redirects_with_xero_unavailable(
    browser: Browser, answer: httpx.Response
) -> None:
    browser.fake.fail_discovery = answer
    response = await browser.connect([ONE])
    assert outcome_of(response)["error"] == "xero_unavailable"
    await _nothing_stored(browser)


async def test_an_access_token_without_auth_event_is_not_guessed(browser: Browser) -> None:
    browser.fake.omit_auth_event_id = True
    response = await browser.connect([ONE])
    assert outcome_of(response)["error"] == "exchange_failed"
    await _nothing_stored(browser)


async def test_without_return_url_a_failure_is_a_400_page(browser: Browser) -> None:
    url = await browser.authorize_url(return_url=None)
    response = await browser.callback(error="access_denied", state=state_of(url))
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "access_denied" in response.text
    assert '"status": "error"' in response.text


async def test_each_failure_outcome_is_audited(browser: Browser) -> None:
    browser.fake.fail_token = "invalid_grant"
    await browser.connect([ONE])
    async with browser.context.session_factory() as session:
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "connect.callback")
        )
    assert event is not None
    assert (event.actor, event.workspace_id, event.result) == (
        "xero-callback",
        "ws-1",
        "exchange_failed",
    )
