"""Who may call what: 401 without a caller, 403 for a missing right or another workspace named,
404 for another workspace's resource, 422 for a malformed workspace id."""

from __future__ import annotations

import inspect
import re
import time
from collections.abc import Iterable, Iterator

import httpx
import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.routing import BaseRoute

from tests.api.conftest import MakeKey
from tests.api.jwt_helpers import dashboard_jwt
from xero_connector.auth.api_keys import revoke_api_key
from xero_connector.auth.policy import SERVED_ACTIONS, Action, Role
from xero_connector.db.models import ApiKey
from xero_connector.main import create_app
from xero_connector.settings import Settings


def bearer(credential: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {credential}"}


async def test_no_credential_is_401_with_bearer_challenge(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/probe/whoami")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "unauthenticated"


@pytest.mark.parametrize(
    "header",
    ["Bearer xck_000000000000_nope", "Bearer not-a-key", "Basic dXNlcjpwYXNz", "Bearer"],
)
async def test_bad_credentials_are_401(client: httpx.AsyncClient, header: str) -> None:
    response = await client.get("/v1/probe/whoami", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("header", [None, "Bearer xck_000000000000_nope"], ids=["none", "bad"])
async def test_a_malformed_json_body_is_401_not_422_without_a_valid_credential(
    client: httpx.AsyncClient, header: str | None
) -> None:
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers["Authorization"] = header
    response = await client.post("/v1/probe/connect", content=b"{not json", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert "errors" not in response.json()


async def test_a_service_key_authenticates(client: httpx.AsyncClient, make_key: MakeKey) -> None:
    key = await make_key(Role.SERVICE)
    response = await client.get("/v1/probe/whoami", headers=bearer(key))
    assert response.status_code == 200
    assert response.json()["role"] == "service"
    assert response.json()["actor"].startswith("api_key:")


async def test_a_key_with_a_wrong_secret_part_is_401(
    client: httpx.AsyncClient, make_key: MakeKey
) -> None:
    key = await make_key(Role.SERVICE)
    tampered = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    response = await client.get("/v1/probe/whoami", headers=bearer(tampered))
    assert response.status_code == 401


async def test_a_revoked_key_is_401(
    client: httpx.AsyncClient, make_key: MakeKey, session: AsyncSession
) -> None:
    key = await make_key(Role.SERVICE)
    row = (await session.execute(select(ApiKey).order_by(ApiKey.created_at.desc()))).scalar_one()
    await revoke_api_key(session, row.id, actor="test", source="test")
    await session.commit()
    response = await client.get("/v1/probe/whoami", headers=bearer(key))
    assert response.status_code == 401


async def test_use_of_a_key_is_recorded(
    client: httpx.AsyncClient, make_key: MakeKey, session: AsyncSession
) -> None:
    key = await make_key(Role.OPS)
    await client.get("/v1/probe/whoami", headers=bearer(key))
    row = (await session.execute(select(ApiKey))).scalar_one()
    await session.refresh(row)
    assert row.last_used_at is not None


async def test_a_dashboard_jwt_authenticates_for_its_workspace(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/probe/whoami", headers=bearer(dashboard_jwt("ws-1")))
    assert response.status_code == 200
    assert response.json() == {"actor": "jwt:user-7", "role": "dashboard", "workspace_id": "ws-1"}


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(dashboard_jwt(exp=int(time.time()) - 120), id="expired"),
        pytest.param(dashboard_jwt(exp=None), id="no-exp"),
        pytest.param(dashboard_jwt(iss="https://evil.example"), id="wrong-issuer"),
        pytest.param(dashboard_jwt(aud="someone-else"), id="wrong-audience"),
        pytest.param(dashboard_jwt(secret="another-secret-that-is-long-enough-too"), id="bad-sig"),
        pytest.param(dashboard_jwt(None), id="no-workspace"),
        pytest.param(dashboard_jwt("bad workspace!"), id="malformed-workspace"),
        pytest.param("eyJhbGciOiJub25lIn0.eyJ3b3Jrc3BhY2VfaWQiOiJ3cy0xIn0.", id="alg-none"),
    ],
)
async def test_bad_jwts_are_401(client: httpx.AsyncClient, token: str) -> None:
    response = await client.get("/v1/probe/whoami", headers=bearer(token))
    assert response.status_code == 401
    assert token not in response.text


async def test_ops_may_not_connect_or_ingest(client: httpx.AsyncClient, make_key: MakeKey) -> None:
    key = await make_key(Role.OPS)
    for path in ("/v1/probe/connect", "/v1/probe/ingest"):
        response = await client.post(path, json={"workspace_id": "ws-1"}, headers=bearer(key))
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"


async def test_ops_may_read_any_workspace_and_the_audit_log(
    client: httpx.AsyncClient, make_key: MakeKey
) -> None:
    key = await make_key(Role.OPS)
    items = await client.get(
        "/v1/probe/items", params={"workspace_id": "ws-9"}, headers=bearer(key)
    )
    assert items.json() == {"workspace_id": "ws-9"}
    assert (await client.get("/v1/probe/audit", headers=bearer(key))).status_code == 200


async def test_a_jwt_may_connect_its_workspace_without_naming_it(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/v1/probe/connect", json={}, headers=bearer(dashboard_jwt()))
    assert response.status_code == 201
    assert response.json() == {"workspace_id": "ws-1"}


async def test_a_jwt_may_not_ingest_or_read_the_audit_log(client: httpx.AsyncClient) -> None:
    token = dashboard_jwt()
    ingest = await client.post("/v1/probe/ingest", json={}, headers=bearer(token))
    assert ingest.status_code == 403
    assert (await client.get("/v1/probe/audit", headers=bearer(token))).status_code == 403


async def test_a_jwt_naming_another_workspace_is_403(client: httpx.AsyncClient) -> None:
    token = dashboard_jwt("ws-1")
    body = await client.post(
        "/v1/probe/connect", json={"workspace_id": "ws-2"}, headers=bearer(token)
    )
    assert body.status_code == 403
    query = await client.get(
        "/v1/probe/items", params={"workspace_id": "ws-2"}, headers=bearer(token)
    )
    assert query.status_code == 403


async def test_a_bound_key_naming_another_workspace_is_403(
    client: httpx.AsyncClient, make_key: MakeKey
) -> None:
    key = await make_key(Role.SERVICE, workspace_id="ws-1")
    response = await client.post(
        "/v1/probe/ingest", json={"workspace_id": "ws-2"}, headers=bearer(key)
    )
    assert response.status_code == 403
    own = await client.post("/v1/probe/ingest", json={"workspace_id": "ws-1"}, headers=bearer(key))
    assert own.json() == {"workspace_id": "ws-1"}


async def test_another_workspaces_resource_is_404(
    client: httpx.AsyncClient, make_key: MakeKey
) -> None:
    token = dashboard_jwt("ws-1")
    assert (await client.get("/v1/probe/items/ws-1/1", headers=bearer(token))).status_code == 200
    other = await client.get("/v1/probe/items/ws-2/1", headers=bearer(token))
    assert other.status_code == 404
    bound = await make_key(Role.SERVICE, workspace_id="ws-1")
    assert (await client.get("/v1/probe/items/ws-2/1", headers=bearer(bound))).status_code == 404
    unbound = await make_key(Role.SERVICE)
    assert (await client.get("/v1/probe/items/ws-2/1", headers=bearer(unbound))).status_code == 200


async def test_an_unbound_key_must_name_a_workspace(
    client: httpx.AsyncClient, make_key: MakeKey
) -> None:
    key = await make_key(Role.SERVICE)
    response = await client.get("/v1/probe/items", headers=bearer(key))
    assert response.status_code == 422


@pytest.mark.parametrize("workspace_id", ["", "has space", "x" * 129, "semi;colon", "ünï"])
async def test_a_malformed_workspace_id_is_422(
    client: httpx.AsyncClient, make_key: MakeKey, workspace_id: str
) -> None:
    key = await make_key(Role.SERVICE)
    response = await client.post(
        "/v1/probe/connect", json={"workspace_id": workspace_id}, headers=bearer(key)
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


async def test_me_describes_the_caller_and_its_rights(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/me", headers=bearer(dashboard_jwt("ws-1")))
    assert response.status_code == 200
    assert response.json() == {
        "actor": "jwt:user-7",
        "role": "dashboard",
        "workspace_id": "ws-1",
        "actions": ["connect", "read", "map", "sync", "disconnect"],
    }


async def test_me_lists_only_actions_that_some_route_performs(
    client: httpx.AsyncClient, make_key: MakeKey
) -> None:
    response = await client.get("/v1/me", headers=bearer(await make_key(Role.SERVICE)))

    assert response.json()["actions"] == [
        "connect",
        "read",
        "map",
        "ingest",
        "sync",
        "disconnect",
        "audit",
    ]


def _api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (included := getattr(route, "original_router", None)) is not None:
            yield from _api_routes(included.routes)  # FastAPI's included routers


def test_the_served_actions_are_exactly_those_the_routes_require() -> None:
    required = set()
    for route in _api_routes(create_app(Settings()).routes):
        source = inspect.getsource(route.endpoint)
        required |= {Action(name.lower()) for name in re.findall(r"Action\.([A-Z]+)", source)}

    assert required == set(SERVED_ACTIONS)
