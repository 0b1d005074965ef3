"""Every error is RFC 9457 problem+json: ours, FastAPI's 404/405/422, HTTPException and a crash."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.api.conftest import MakeKey
from xero_connector.db.models import AuditEvent

PROBLEM_KEYS = {"type", "title", "status", "detail", "code", "instance"}


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert body.keys() >= PROBLEM_KEYS
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"urn:xero-connector:problem:{code}"
    return body


async def test_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/nope"), 404, "not_found")
    assert body["instance"] == "/nope"


async def test_wrong_method_is_a_405_problem_with_allow(client: httpx.AsyncClient) -> None:
    response = await client.delete("/healthz")
    assert_problem(response, 405, "method_not_allowed")
    assert "GET" in response.headers["allow"]


async def test_validation_error_is_a_422_problem_with_errors(
    client: httpx.AsyncClient, make_key: MakeKey
) -> None:
    key = await make_key()
    response = await client.get(
        "/v1/probe/items/ws-1/not-a-number", headers={"Authorization": f"Bearer {key}"}
    )
    body = assert_problem(response, 422, "invalid_input")
    errors = body["errors"]
    assert isinstance(errors, list)
    assert [(error["loc"], error["type"]) for error in errors] == [
        (["path", "item_id"], "int_parsing")
    ]
    assert "input" not in errors[0]


async def test_malformed_json_body_is_a_422_problem(
    client: httpx.AsyncClient, make_key: MakeKey
) -> None:
    key = await make_key()
    response = await client.post(
        "/v1/probe/connect",
        content=b"{not json",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    assert_problem(response, 422, "invalid_input")


async def test_http_exception_is_a_problem(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/v1/probe/teapot"), 418, "i'm_a_teapot")
    assert body["detail"] == "short and stout"


async def test_unexpected_error_is_a_500_problem_without_internals(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v1/probe/boom")
    body = assert_problem(response, 500, "internal_error")
    assert body["detail"] == "An unexpected error occurred."
    assert "abc123secret" not in response.text
    assert "RuntimeError" not in response.text


async def test_app_error_commits_nothing(
    client: httpx.AsyncClient, make_key: MakeKey, session: AsyncSession
) -> None:
    key = await make_key()
    response = await client.post(
        "/v1/probe/write", params={"fail": "true"}, headers={"Authorization": f"Bearer {key}"}
    )
    assert_problem(response, 409, "conflict")
    actions = (await session.execute(select(AuditEvent.action))).scalars().all()
    assert "probe.write" not in actions


async def test_success_is_committed_before_the_response(
    client: httpx.AsyncClient, make_key: MakeKey, session: AsyncSession
) -> None:
    key = await make_key()
    response = await client.post("/v1/probe/write", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    actions = (await session.execute(select(AuditEvent.action))).scalars().all()
    assert "probe.write" in actions
