"""What the browser gets back from ``/v1/callback`` when consent is cancelled, when the callback
URL is replayed, and when the connect link was made without a return URL."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from tests.e2e.connector import Connector, Sandbox, connect_through_xero, outcome_of
from tests.e2e.consent import ALICE, BOB, CAROL, consent_as

pytestmark = [pytest.mark.e2e]

_PAYLOAD = re.compile(r"var message = (\{.*?\});")


def page_payload(page: httpx.Response) -> dict[str, object]:
    """The message the result page posts to ``window.opener``."""
    match = _PAYLOAD.search(page.text)
    assert match is not None, page.text[:500]
    payload: dict[str, object] = json.loads(match.group(1))
    return payload


async def test_cancelling_consent_sends_the_user_back_with_access_denied(
    connector: Connector, sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    authorize_url = await connector.connect("ws-bob-cancels")
    callback_url = await consent_as(http, authorize_url, BOB, action="cancel")

    outcome = outcome_of(await connector.callback(callback_url))

    assert outcome == {"status": "error", "error": "access_denied"}
    assert await connector.connections("ws-bob-cancels") == []
    assert (await sandbox.stats())["token_calls"] == {}  # nothing to exchange
    assert await sandbox.connections_of(BOB.email) == {}


async def test_a_callback_url_used_once_is_refused_the_second_time_as_problem_json(
    connector: Connector, sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    callback_url = await consent_as(http, await connector.connect("ws-carol-replays"), CAROL)
    first = outcome_of(await connector.callback(callback_url))
    connected = await connector.connections("ws-carol-replays")

    replay = await connector.callback(callback_url)

    assert replay.status_code == 400
    assert replay.headers["content-type"].startswith("application/problem+json")
    assert "location" not in replay.headers
    problem = replay.json()
    assert problem["status"] == 400
    assert "reused" in problem["detail"]

    # the same connections (their first settings pull and sync run on meanwhile: the fields
    # those move, updated_at, settings_pulled_at and last_sync, may differ)
    def stable(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        keys = ("id", "workspace_id", "tenant_id", "status", "created_at")
        return [tuple(item[k] for k in keys) for item in items]

    assert stable(await connector.connections("ws-carol-replays")) == stable(connected)
    assert {c["id"] for c in connected} == set(first["connection_ids"].split(","))
    assert (await sandbox.stats())["token_calls"] == {"authorization_code": 1}


async def test_a_forged_state_is_refused_as_problem_json_without_a_redirect(
    connector: Connector,
) -> None:
    forged = f"{connector.base}/v1/callback?code=made-up&state=never-issued"
    answer = await connector.callback(forged)
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "location" not in answer.headers


async def test_without_a_return_url_a_connection_ends_on_the_result_page(
    connector: Connector, sandbox: Sandbox
) -> None:
    page = await connect_through_xero(connector, "ws-alice-popup", ALICE, return_url=None)

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Connected to Xero" in page.text
    (connection,) = await connector.connections("ws-alice-popup")
    assert page_payload(page) == {
        "source": "xero-connector",
        "status": "connected",
        "connection_ids": [connection["id"]],
    }
    await sandbox.assert_clean()


async def test_without_a_return_url_a_cancelled_consent_ends_on_an_error_page(
    connector: Connector, sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    authorize_url = await connector.connect("ws-alice-popup-cancel", return_url=None)
    callback_url = await consent_as(http, authorize_url, ALICE, action="cancel")

    page = await connector.callback(callback_url)

    assert page.status_code == 400
    assert page.headers["content-type"].startswith("text/html")
    assert "access_denied" in page.text
    assert page_payload(page) == {
        "source": "xero-connector",
        "status": "error",
        "error": "access_denied",
    }
    assert await connector.connections("ws-alice-popup-cancel") == []
