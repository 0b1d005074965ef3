"""POST /v1/connect: the authorize URL, the stored state, callers and return_url origins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select

from tests.api.jwt_helpers import dashboard_jwt
from tests.connector_app import REDIRECT_URI, Browser, make_api_key, state_of
from tests.fake_xero import ENDPOINTS
from xero_connector.auth.policy import Role
from xero_connector.db.models import AuditEvent, OAuthState
from xero_connector.oauth.pending import hash_state


async def test_connect_answers_an_authorize_url_that_expires_in_ten_minutes(
    browser: Browser,
) -> None:
    before = datetime.now(UTC)
    response = await browser.start("ws-1")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"authorize_url", "expires_at"}
    assert body["expires_at"].endswith("Z")
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert before + timedelta(minutes=10) <= expires_at <= datetime.now(UTC) + timedelta(minutes=10)
    url = urlsplit(body["authorize_url"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == ENDPOINTS.authorize_url
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query["redirect_uri"] == REDIRECT_URI
    assert query["code_challenge_method"] == "S256"
    assert "offline_access" in query["scope"].split()
    assert query["nonce"]


async def test_the_state_is_stored_hashed_and_its_secrets_sealed(browser: Browser) -> None:
    url = await browser.authorize_url("ws-1")
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    async with browser.context.session_factory() as session:
        [row] = (await session.scalars(select(OAuthState))).all()
    assert row.state_hash == hash_state(state_of(url))
    assert row.workspace_id == "ws-1"
    assert row.consumed_at is None
    assert row.secret_ciphertext is not None
    for secret in (query["state"], query["nonce"]):
        assert secret.encode() not in row.secret_ciphertext
    assert row.kek_id == "test"


async def test_connect_is_audited(browser: Browser) -> None:
    await browser.start("ws-1")
    async with browser.context.session_factory() as session:
        event = await session.scalar(select(AuditEvent).where(AuditEvent.action == "connect.start"))
    assert event is not None
    assert (event.workspace_id, event.result) == ("ws-1", "ok")
    assert event.actor.startswith("api_key:")


@pytest.mark.parametrize(
    "return_url",
    [
        "https://evil.example/steal",
        "https://dash.example.evil.example/",
        "https://dash.example@evil.example/",
        "http://dash.example/",
        "javascript:alert(1)",
        "//evil.example/",
        "/relative/path",
    ],
)
async def test_a_return_url_outside_the_allowed_origins_is_422(
    browser: Browser, return_url: str
) -> None:
    response = await browser.start("ws-1", return_url=return_url)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_return_url_on_an_allowed_origin_is_accepted(browser: Browser) -> None:
    response = await browser.start("ws-1", return_url="https://DASH.example:443/x?y=1#z")
    assert response.status_code == 201


async def test_a_key_caller_must_name_the_workspace(browser: Browser) -> None:
    response = await browser.start(None)
    assert response.status_code == 422


async def test_a_malformed_workspace_id_is_422(browser: Browser) -> None:
    response = await browser.start("no spaces allowed")
    assert response.status_code == 422


async def test_a_jwt_caller_may_omit_its_workspace(browser: Browser) -> None:
    headers = {"Authorization": f"Bearer {dashboard_jwt('ws-jwt')}"}
    response = await browser.client.post("/v1/connect", json={}, headers=headers)
    assert response.status_code == 201
    async with browser.context.session_factory() as session:
        row = await session.scalar(select(OAuthState))
    assert row is not None
    assert row.workspace_id == "ws-jwt"


async def test_a_jwt_caller_naming_another_workspace_is_403(browser: Browser) -> None:
    headers = {"Authorization": f"Bearer {dashboard_jwt('ws-jwt')}"}
    response = await browser.client.post(
        "/v1/connect", json={"workspace_id": "ws-other"}, headers=headers
    )
    assert response.status_code == 403


async def test_an_ops_key_may_not_connect(browser: Browser) -> None:
    key = await make_api_key(browser.context, Role.OPS)
    response = await browser.client.post(
        "/v1/connect", json={"workspace_id": "ws-1"}, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 403


async def test_connect_without_a_credential_is_401(browser: Browser) -> None:
    response = await browser.client.post("/v1/connect", json={"workspace_id": "ws-1"})
    assert response.status_code == 401


async def test_connect_without_xero_configured_is_503(browser: Browser) -> None:
    browser.context.xero_identity, identity = None, browser.context.xero_identity
    try:
        response = await browser.start("ws-1")
    finally:
        browser.context.xero_identity = identity
    assert response.status_code == 503
    assert isinstance(response, httpx.Response)
