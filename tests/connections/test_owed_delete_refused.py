"""The owed remote delete answered 401 (access token refused): one refresh and one retry; a
delete we cannot make (grant needs reauth, token refused again) is settled, audited and logged,
not retried forever."""

from __future__ import annotations

import logging

import httpx
import pytest

from tests.connections.helpers import audit_events, connect, delete, rows, task_ctx
from tests.connector_app import Browser
from xero_connector.tasks.disconnect import delete_remote_connection


async def _owed_delete(browser: Browser) -> str:
    """A connection whose remote delete is owed; its grant stays in use by a second one."""
    first, _second = await connect(browser, "ws-1", "tenant-1", "tenant-2")
    browser.fake.fail_delete = "503"
    await delete(browser, first)
    browser.fake.fail_delete = None
    connection, _ = await rows(browser, first)
    assert connection.remote_delete_due_at is not None
    return first


def _refreshes(browser: Browser) -> int:
    return sum(1 for r in browser.fake.token_requests if r.get("grant_type") == "refresh_token")


async def test_a_401_is_retried_once_with_a_refreshed_access_token(browser: Browser) -> None:
    connection_id = await _owed_delete(browser)
    browser.fake.refuse_access_tokens()

    assert await delete_remote_connection(task_ctx(browser), connection_id) == "deleted"

    connection, _ = await rows(browser, connection_id)
    assert _refreshes(browser) == 1
    assert browser.fake.deleted_connections == [connection.xero_connection_id]
    assert connection.remote_delete_due_at is None
    assert connection.remote_deleted_at is not None


async def test_a_401_for_a_grant_that_needs_reauth_settles_the_delete_as_abandoned(
    browser: Browser,
) -> None:
    connection_id = await _owed_delete(browser)
    browser.fake.refuse_access_tokens()
    browser.fake.refresh_tokens.clear()  # the refresh answers invalid_grant

    assert await delete_remote_connection(task_ctx(browser), connection_id) == "abandoned"

    connection, grant = await rows(browser, connection_id)
    assert grant.status == "needs_reauth"
    assert connection.remote_delete_due_at is None
    assert connection.remote_deleted_at is None
    [event] = await audit_events(browser, "connection.remote_delete")
    assert (event.result, event.detail) == ("abandoned", {"reason": "needs_reauth"})


async def test_a_second_401_after_the_refresh_settles_the_delete_as_abandoned(
    browser: Browser,
) -> None:
    connection_id = await _owed_delete(browser)
    browser.fake.fail_delete = httpx.Response(401, json={"Detail": "AuthenticationUnsuccessful"})

    assert await delete_remote_connection(task_ctx(browser), connection_id) == "abandoned"

    connection, _ = await rows(browser, connection_id)
    assert _refreshes(browser) == 1
    assert connection.remote_delete_due_at is None
    [event] = await audit_events(browser, "connection.remote_delete")
    assert event.detail == {"reason": "access_token_refused"}


async def test_an_abandoned_delete_is_a_warning_that_names_no_token(
    browser: Browser, caplog: pytest.LogCaptureFixture
) -> None:
    connection_id = await _owed_delete(browser)
    browser.fake.fail_delete = httpx.Response(401, json={"Detail": "AuthenticationUnsuccessful"})
    caplog.set_level(logging.WARNING, logger="xero_connector.connections.disconnect")

    await delete_remote_connection(task_ctx(browser), connection_id)

    [record] = [r for r in caplog.records if r.name == "xero_connector.connections.disconnect"]
    assert record.levelno == logging.WARNING
    assert connection_id in record.getMessage()
    tokens = [*browser.fake.access_tokens, *browser.fake.refresh_tokens]
    assert tokens
    assert not any(token in caplog.text for token in tokens)
