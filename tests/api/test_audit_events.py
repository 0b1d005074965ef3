"""``GET /v1/audit-events``: the audit log for ops and service keys, filtered, newest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.api.conftest import MakeKey
from tests.api.jwt_helpers import dashboard_jwt
from xero_connector.auth.policy import Role
from xero_connector.db.models import AuditEvent

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def bearer(credential: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {credential}"}


@pytest.fixture
async def seeded(session: AsyncSession) -> list[AuditEvent]:
    """Four events of two workspaces, one minute apart (oldest first)."""
    events = [
        AuditEvent(
            at=T0 + timedelta(minutes=i),
            actor="api_key:k1",
            action=action,
            workspace_id=workspace,
            target=target,
            result="ok",
            source="api:10.0.0.1",
            detail={"n": i},
        )
        for i, (action, workspace, target) in enumerate(
            [
                ("connect.callback", "ws-a", "oauth_state:s1"),
                ("connection.disconnect", "ws-a", "connection:c-a"),
                ("connection.disconnect", "ws-b", "connection:c-b"),
                ("grant.shred", "ws-a", "grant:g-a"),
            ]
        )
    ]
    session.add_all(events)
    await session.commit()
    return events


async def read(client: httpx.AsyncClient, key: str, **params: str) -> httpx.Response:
    return await client.get("/v1/audit-events", params=params, headers=bearer(key))


@pytest.mark.usefixtures("seeded")
async def test_an_ops_key_reads_every_workspaces_events_newest_first(
    client: httpx.AsyncClient, make_key: MakeKey
) -> None:
    key = await make_key(Role.OPS)
    response = await read(client, key, since=T0.isoformat())
    assert response.status_code == 200, response.text
    body = response.json()
    assert [e["detail"] for e in body["items"][-4:]] == [{"n": 3}, {"n": 2}, {"n": 1}, {"n": 0}]
    assert body["items"][-1] == {
        "id": body["items"][-1]["id"],
        "at": "2026-11-30T12:00:00Z",
        "actor": "api_key:k1",
        "action": "connect.callback",
        "workspace_id": "ws-a",
        "target": "oauth_state:s1",
        "result": "ok",
        "source": "api:10.0.0.1",
        "detail": {"n": 0},
    }
    assert body["next_cursor"] is None


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"workspace_id": "ws-b"}, [2]),
        ({"connection_id": "c-a"}, [1]),
        ({"action": "connection.disconnect"}, [2, 1]),
        ({"workspace_id": "ws-a", "since": "2026-11-30T12:01:00Z"}, [3, 1]),
        ({"since": "2026-11-30T13:01:00+01:00", "action": "grant.shred"}, [3]),
    ],
)
async def test_filters_narrow_the_log(
    client: httpx.AsyncClient, make_key: MakeKey, params: dict[str, str], expected: list[int]
) -> None:
    response = await read(client, await make_key(Role.SERVICE), **params)
    assert response.status_code == 200, response.text
    assert [e["detail"]["n"] for e in response.json()["items"]] == expected


@pytest.mark.usefixtures("seeded")
async def test_the_log_is_paginated_with_a_cursor(
    client: httpx.AsyncClient, make_key: MakeKey
) -> None:
    key = await make_key(Role.OPS)
    seen: list[int] = []
    cursor = None
    while True:
        params = {"workspace_id": "ws-a", "limit": "2", **({"cursor": cursor} if cursor else {})}
        body = (await read(client, key, **params)).json()
        seen += [e["detail"]["n"] for e in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [3, 1, 0]


@pytest.mark.usefixtures("seeded")
async def test_a_bound_key_reads_only_its_own_workspaces_events(
    client: httpx.AsyncClient, make_key: MakeKey
) -> None:
    key = await make_key(Role.SERVICE, workspace_id="ws-b")
    own = await read(client, key)
    assert own.status_code == 200
    assert {e["workspace_id"] for e in own.json()["items"]} == {"ws-b"}
    assert (await read(client, key, workspace_id="ws-a")).status_code == 403


@pytest.mark.usefixtures("seeded")
async def test_a_dashboard_jwt_may_not_read_the_audit_log(client: httpx.AsyncClient) -> None:
    response = await read(client, dashboard_jwt("ws-a"))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_the_audit_log_needs_a_credential(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/audit-events")).status_code == 401


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "not-a-cursor"},
        {"since": "2026-11-30T12:00:00"},
        {"since": "0.5"},
        {"since": "x"},
        {"limit": "0"},
    ],
)
async def test_bad_parameters_are_422(
    client: httpx.AsyncClient, make_key: MakeKey, params: dict[str, str]
) -> None:
    response = await read(client, await make_key(Role.OPS), **params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
