"""A request's log lines name the connection and workspace it acts on, with its request id."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.connections.helpers import connect
from tests.connector_app import Browser


def lines(caplog: pytest.LogCaptureFixture, event: str) -> list[dict[str, Any]]:
    return [r.msg for r in caplog.records if isinstance(r.msg, dict) and r.msg["event"] == event]


async def test_a_disconnects_log_lines_carry_its_ids(
    browser: Browser, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    [connection_id] = await connect(browser, "ws-logged", "t-1")

    response = await browser.client.delete(
        f"/v1/connections/{connection_id}",
        headers={**browser.headers, "X-Request-ID": "disconnect-1"},
    )

    assert response.status_code == 204
    assert response.headers["X-Request-ID"] == "disconnect-1"
    [shredded] = lines(caplog, "grant_shredded")
    assert shredded["request_id"] == "disconnect-1"
    assert shredded["connection_id"] == connection_id
    assert shredded["workspace_id"] == "ws-logged"
