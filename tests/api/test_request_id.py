"""Every request has an id: the caller's ``X-Request-ID`` or a fresh one, returned and logged."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from tests.api.conftest import MakeKey
from xero_connector.auth.policy import Role


def events(caplog: pytest.LogCaptureFixture, name: str) -> list[dict[str, Any]]:
    return [r.msg for r in caplog.records if isinstance(r.msg, dict) and r.msg["event"] == name]


@pytest.fixture(autouse=True)
def capture(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)


async def test_the_callers_request_id_is_returned(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "req-42.a:b"})
    assert response.headers["X-Request-ID"] == "req-42.a:b"


async def test_without_one_a_fresh_id_is_made_per_request(client: httpx.AsyncClient) -> None:
    first = (await client.get("/healthz")).headers["X-Request-ID"]
    second = (await client.get("/healthz")).headers["X-Request-ID"]
    assert len(first) == 32
    assert first != second


@pytest.mark.parametrize("sent", ["x" * 129, "a b", 'a"b', "line\tbreak", ""])
async def test_an_unacceptable_id_is_replaced(client: httpx.AsyncClient, sent: str) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": sent})
    assert response.headers["X-Request-ID"] != sent
    assert len(response.headers["X-Request-ID"]) == 32


async def test_problem_responses_carry_the_id_too(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/connections", headers={"X-Request-ID": "r-401"})
    assert response.status_code == 401
    assert response.headers["X-Request-ID"] == "r-401"


async def test_a_routes_log_lines_carry_request_caller_and_workspace(
    client: httpx.AsyncClient, make_key: MakeKey, caplog: pytest.LogCaptureFixture
) -> None:
    key = await make_key(Role.SERVICE)
    response = await client.get(
        "/v1/probe/logged",
        params={"workspace_id": "ws-logs"},
        headers={"Authorization": f"Bearer {key}", "X-Request-ID": "r-1"},
    )
    assert response.status_code == 200, response.text
    [line] = events(caplog, "probe_logged")
    assert line["request_id"] == "r-1"
    assert line["workspace_id"] == "ws-logs"
    assert str(line["actor"]).startswith("api_key:")
    assert key not in caplog.text


async def test_nothing_a_request_bound_outlives_it(
    client: httpx.AsyncClient, make_key: MakeKey, caplog: pytest.LogCaptureFixture
) -> None:
    key = await make_key(Role.SERVICE)
    await client.get(
        "/v1/probe/logged",
        params={"workspace_id": "ws-a"},
        headers={"Authorization": f"Bearer {key}", "X-Request-ID": "r-a"},
    )
    await client.get("/v1/probe/boom", headers={"X-Request-ID": "r-b"})
    [line] = events(caplog, "unhandled_error")
    assert line["request_id"] == "r-b"
    assert "workspace_id" not in line
    assert "actor" not in line
