"""Every route x every kind of caller: the expected status, and never another workspace's data.

Two workspaces each have a connection; every caller acts on workspace A's (naming A in the query
or body, or A's connection in the path). Unauthenticated callers get 401 everywhere; a role
without the right gets 403; a caller of workspace B gets 404 for A's resources and 403 for naming
A. A route added later must get its row here (``test_the_matrix_covers_every_route``).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

import httpx
import pytest

from tests.api.jwt_helpers import dashboard_jwt
from tests.connections.helpers import connect
from tests.connector_app import RETURN_URL, Browser, make_api_key
from xero_connector.auth.api_keys import issue_api_key, revoke_api_key
from xero_connector.auth.policy import Role
from xero_connector.db.models import Connection
from xero_connector.main import create_app
from xero_connector.settings import Settings

OWN, OTHER = "ws-a", "ws-b"


class Who(StrEnum):
    NONE = "no caller"
    GARBAGE = "garbage"
    REVOKED = "revoked key"
    EXPIRED_JWT = "expired JWT"
    JWT_OWN = "JWT of A"
    JWT_OTHER = "JWT of B"
    OPS = "ops key"
    SERVICE = "unbound service key"
    BOUND_OWN = "service key bound to A"
    BOUND_OTHER = "service key bound to B"


UNAUTHENTICATED = {Who.NONE: 401, Who.GARBAGE: 401, Who.REVOKED: 401, Who.EXPIRED_JWT: 401}


def reading() -> dict[Who, int]:
    """A read of A's connection: every role reads; B's callers do not see it (404)."""
    return expect(jwt_own=200, jwt_other=404, ops=200, service=200, bound_other=404)


def ingesting() -> dict[Who, int]:
    """Ingestion into A's connection: service keys only."""
    return expect(jwt_own=403, jwt_other=404, ops=403, service=200, bound_other=404)


def expect(
    *, jwt_own: int, jwt_other: int, ops: int, service: int, bound_other: int
) -> dict[Who, int]:
    """The statuses of one route; a key bound to A is answered as the unbound service key."""
    return {
        **UNAUTHENTICATED,
        Who.JWT_OWN: jwt_own,
        Who.JWT_OTHER: jwt_other,
        Who.OPS: ops,
        Who.SERVICE: service,
        Who.BOUND_OWN: service,
        Who.BOUND_OTHER: bound_other,
    }


@dataclass(frozen=True)
class World:
    """What the routes act on: A's connection (``own``) with a record, and B's (``other``)."""

    own: Connection
    other: Connection
    record_id: str
    run_id: str

    def on_own(self, tail: str = "") -> str:
        return f"/v1/connections/{self.own.id}{tail}"


Call = Callable[[httpx.AsyncClient, World, dict[str, str]], Awaitable[httpx.Response]]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    call: Call
    expected: dict[Who, int]


ROUTES = [
    Route(
        "GET",
        "/v1/me",
        lambda c, w, h: c.get("/v1/me", headers=h),
        expect(jwt_own=200, jwt_other=200, ops=200, service=200, bound_other=200),
    ),
    Route(
        "POST",
        "/v1/connect",
        lambda c, w, h: c.post(
            "/v1/connect", json={"workspace_id": OWN, "return_url": RETURN_URL}, headers=h
        ),
        expect(jwt_own=201, jwt_other=403, ops=403, service=201, bound_other=403),
    ),
    Route(
        "GET",
        "/v1/connections",
        lambda c, w, h: c.get("/v1/connections", params={"workspace_id": OWN}, headers=h),
        expect(jwt_own=200, jwt_other=403, ops=200, service=200, bound_other=403),
    ),
    Route(
        "GET",
        "/v1/connections/{connection_id}",
        lambda c, w, h: c.get(f"/v1/connections/{w.own.id}", headers=h),
        expect(jwt_own=200, jwt_other=404, ops=200, service=200, bound_other=404),
    ),
    Route(
        "GET",
        "/v1/connections/{connection_id}/accounts",
        lambda c, w, h: c.get(w.on_own("/accounts"), headers=h),
        reading(),
    ),
    Route(
        "GET",
        "/v1/connections/{connection_id}/tax-rates",
        lambda c, w, h: c.get(w.on_own("/tax-rates"), headers=h),
        reading(),
    ),
    Route(
        "GET",
        "/v1/connections/{connection_id}/tracking-categories",
        lambda c, w, h: c.get(w.on_own("/tracking-categories"), headers=h),
        reading(),
    ),
    Route(
        "POST",
        "/v1/connections/{connection_id}/settings/pull",
        lambda c, w, h: c.post(w.on_own("/settings/pull"), headers=h),
        expect(jwt_own=202, jwt_other=404, ops=202, service=202, bound_other=404),
    ),
    Route(
        "GET",
        "/v1/connections/{connection_id}/mappings",
        lambda c, w, h: c.get(w.on_own("/mappings"), headers=h),
        reading(),
    ),
    Route(
        "PUT",
        "/v1/connections/{connection_id}/mappings",
        lambda c, w, h: c.put(w.on_own("/mappings"), json={"items": []}, headers=h),
        expect(jwt_own=200, jwt_other=404, ops=403, service=200, bound_other=404),
    ),
    Route(
        "GET",
        "/v1/connections/{connection_id}/records",
        lambda c, w, h: c.get(w.on_own("/records"), headers=h),
        reading(),
    ),
    Route(
        "GET",
        "/v1/connections/{connection_id}/records/{record_id}",
        lambda c, w, h: c.get(w.on_own(f"/records/{w.record_id}"), headers=h),
        reading(),
    ),
    Route(
        "GET",
        "/v1/connections/{connection_id}/records/{record_id}/preview",
        lambda c, w, h: c.get(w.on_own(f"/records/{w.record_id}/preview"), headers=h),
        reading(),
    ),
    # The record is pending, not failed: a caller allowed to retry gets 409, and nothing changes.
    Route(
        "POST",
        "/v1/connections/{connection_id}/records/{record_id}/retry",
        lambda c, w, h: c.post(w.on_own(f"/records/{w.record_id}/retry"), headers=h),
        expect(jwt_own=409, jwt_other=404, ops=409, service=409, bound_other=404),
    ),
    Route(
        "POST",
        "/v1/connections/{connection_id}/contacts",
        lambda c, w, h: c.post(
            w.on_own("/contacts"), json={"items": [{"external_id": "c-2", "name": "B"}]}, headers=h
        ),
        ingesting(),
    ),
    Route(
        "POST",
        "/v1/connections/{connection_id}/invoices",
        lambda c, w, h: c.post(
            w.on_own("/invoices"), json={"items": [{"external_id": "i"}]}, headers=h
        ),
        ingesting(),
    ),
    Route(
        "POST",
        "/v1/connections/{connection_id}/bank-transactions",
        lambda c, w, h: c.post(
            w.on_own("/bank-transactions"), json={"items": [{"external_id": "b"}]}, headers=h
        ),
        ingesting(),
    ),
    Route(
        "GET",
        "/v1/connections/{connection_id}/syncs",
        lambda c, w, h: c.get(w.on_own("/syncs"), headers=h),
        reading(),
    ),
    Route(
        "GET",
        "/v1/syncs/{run_id}",
        lambda c, w, h: c.get(f"/v1/syncs/{w.run_id}", headers=h),
        reading(),
    ),
    # A run is active already (the world started one): 200 with it for whoever may sync.
    Route(
        "POST",
        "/v1/connections/{connection_id}/sync",
        lambda c, w, h: c.post(w.on_own("/sync"), headers=h),
        expect(jwt_own=200, jwt_other=404, ops=200, service=200, bound_other=404),
    ),
    Route(
        "GET",
        "/v1/audit-events",
        lambda c, w, h: c.get("/v1/audit-events", params={"workspace_id": OWN}, headers=h),
        expect(jwt_own=403, jwt_other=403, ops=200, service=200, bound_other=403),
    ),
    # Last: it changes what the routes above would read.
    Route(
        "DELETE",
        "/v1/connections/{connection_id}",
        lambda c, w, h: c.delete(f"/v1/connections/{w.own.id}", headers=h),
        expect(jwt_own=204, jwt_other=404, ops=204, service=204, bound_other=404),
    ),
]

NOT_COVERED = {"/v1/callback"}  # authenticated by its OAuth state alone (tests/oauth)


def test_the_matrix_covers_every_route() -> None:
    served = {
        (method.upper(), path)
        for path, item in create_app(Settings.model_construct()).openapi()["paths"].items()
        if path.startswith("/v1") and path not in NOT_COVERED
        for method in item
    }
    assert {(route.method, route.path) for route in ROUTES} == served


async def credential(browser: Browser, who: Who) -> str | None:
    context = browser.context
    match who:
        case Who.NONE:
            return None
        case Who.GARBAGE:
            return "xck_000000000000_not-a-key-at-all"
        case Who.REVOKED:
            async with context.session_factory() as session:
                issued = await issue_api_key(
                    session, name="t", role=Role.SERVICE, workspace_id=None, actor="t", source="t"
                )
                await revoke_api_key(session, issued.row.id, actor="test", source="test")
                await session.commit()
            return issued.key
        case Who.EXPIRED_JWT:
            return dashboard_jwt(OWN, exp=int(time.time()) - 60)
        case Who.JWT_OWN:
            return dashboard_jwt(OWN)
        case Who.JWT_OTHER:
            return dashboard_jwt(OTHER)
        case Who.OPS:
            return await make_api_key(context, Role.OPS)
        case Who.SERVICE:
            return await make_api_key(context, Role.SERVICE)
        case Who.BOUND_OWN:
            return await make_api_key(context, Role.SERVICE, OWN)
        case Who.BOUND_OTHER:
            return await make_api_key(context, Role.SERVICE, OTHER)


async def world(browser: Browser) -> World:
    [own_id] = await connect(browser, OWN, "tenant-of-a")
    [other_id] = await connect(browser, OTHER, "tenant-of-b")
    async with browser.context.session_factory() as session:
        own = await session.get(Connection, own_id)
        other = await session.get(Connection, other_id)
    assert own is not None
    assert other is not None
    response = await browser.client.post(
        f"/v1/connections/{own_id}/contacts",
        json={"items": [{"external_id": "c-1", "name": "Contact of A"}]},
        headers=browser.headers,
    )
    assert response.status_code == 200, response.text
    [item] = response.json()["items"]
    run = await browser.client.post(f"/v1/connections/{own_id}/sync", headers=browser.headers)
    assert run.status_code in (200, 202), run.text
    return World(own, other, item["record_id"], run.json()["id"])


def leaks(response: httpx.Response, who: Who, w: World) -> list[str]:
    """What of the workspace the caller may not see appears in the answer."""
    hidden = [w.own] if who in (Who.JWT_OTHER, Who.BOUND_OTHER) else [w.other]
    if who in (Who.OPS, Who.SERVICE):
        hidden = []  # unbound keys see every workspace
    text = response.text
    asked = str(response.request.url)  # a problem's ``instance`` repeats the path asked
    return [
        value
        for connection in hidden
        for value in (connection.id, connection.tenant_id, connection.tenant_name or "")
        if value and value in text and value not in asked
    ]


@pytest.mark.parametrize("who", list(Who))
async def test_every_route_answers_each_caller_as_the_policy_says(
    browser: Browser, who: Who
) -> None:
    w = await world(browser)
    secret = await credential(browser, who)
    headers = {"Authorization": f"Bearer {secret}"} if secret is not None else {}

    got: dict[str, int] = {}
    leaked: dict[str, list[str]] = {}
    for route in ROUTES:
        response = await route.call(browser.client, w, headers)
        name = f"{route.method} {route.path}"
        got[name] = response.status_code
        if found := leaks(response, who, w):
            leaked[name] = found

    assert got == {f"{r.method} {r.path}": r.expected[who] for r in ROUTES}
    assert leaked == {}
    async with browser.context.session_factory() as session:
        own = await session.get(Connection, w.own.id, populate_existing=True)
        other = await session.get(Connection, w.other.id, populate_existing=True)
    assert own is not None
    assert other is not None
    deleted = ROUTES[-1].expected[who] == 204
    assert own.status == ("disconnected" if deleted else "active")
    assert other.status == "active"
