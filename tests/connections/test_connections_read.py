"""GET /v1/connections and /v1/connections/{id}: pages, workspaces, visibility."""

from __future__ import annotations

import pytest

from tests.api.jwt_helpers import dashboard_jwt
from tests.connector_app import Browser, make_api_key, outcome_of
from tests.fake_xero import Tenant
from xero_connector.auth.policy import Role


def _jwt(workspace_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {dashboard_jwt(workspace_id)}"}


async def _connect(browser: Browser, workspace_id: str, *tenants: str) -> list[str]:
    response = await browser.connect([Tenant(t, f"Org {t}") for t in tenants], workspace_id)
    return outcome_of(response)["connection_ids"].split(",")


async def test_a_connection_reads_with_its_documented_fields(browser: Browser) -> None:
    [connection_id] = await _connect(browser, "ws-1", "tenant-1")
    response = await browser.client.get(f"/v1/connections/{connection_id}", headers=browser.headers)
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("id", "workspace_id", "tenant_id", "tenant_name")} == {
        "id": connection_id,
        "workspace_id": "ws-1",
        "tenant_id": "tenant-1",
        "tenant_name": "Org tenant-1",
    }
    assert (body["tenant_type"], body["status"]) == ("ORGANISATION", "active")
    assert body["created_at"].endswith("Z")
    assert body["updated_at"].endswith("Z")
    assert body["rate_limited_until"] is None
    # connecting requested the first sync: its run is the connection's last sync
    assert body["last_sync"]["status"] == "queued"
    assert body["last_sync"]["finished_at"] is None


async def test_the_list_is_paginated_with_a_cursor(browser: Browser) -> None:
    ids = await _connect(browser, "ws-1", "t-1", "t-2", "t-3")
    await _connect(browser, "ws-2", "t-9")
    seen: list[str] = []
    cursor = None
    while True:
        params = {"workspace_id": "ws-1", "limit": "2"} | ({"cursor": cursor} if cursor else {})
        response = await browser.client.get(
            "/v1/connections", params=params, headers=browser.headers
        )
        assert response.status_code == 200
        page = response.json()
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids)


async def test_a_key_caller_must_name_the_workspace_when_listing(browser: Browser) -> None:
    response = await browser.client.get("/v1/connections", headers=browser.headers)
    assert response.status_code == 422


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "201"}, {"cursor": "garbage!"}])
async def test_bad_paging_parameters_are_422(browser: Browser, params: dict[str, str]) -> None:
    response = await browser.client.get(
        "/v1/connections", params={"workspace_id": "ws-1", **params}, headers=browser.headers
    )
    assert response.status_code == 422


async def test_a_jwt_caller_lists_its_own_workspace_without_naming_it(browser: Browser) -> None:
    await _connect(browser, "ws-1", "tenant-1")
    await _connect(browser, "ws-2", "tenant-2")
    response = await browser.client.get("/v1/connections", headers=_jwt("ws-2"))
    assert [item["tenant_id"] for item in response.json()["items"]] == ["tenant-2"]


async def test_naming_another_workspace_in_the_query_is_403(browser: Browser) -> None:
    response = await browser.client.get(
        "/v1/connections", params={"workspace_id": "ws-1"}, headers=_jwt("ws-2")
    )
    assert response.status_code == 403


async def test_another_workspaces_connection_is_404(browser: Browser) -> None:
    [connection_id] = await _connect(browser, "ws-1", "tenant-1")
    bound_key = await make_api_key(browser.context, Role.SERVICE, "ws-2")
    for headers in (_jwt("ws-2"), {"Authorization": f"Bearer {bound_key}"}):
        for method in ("GET", "DELETE"):
            response = await browser.client.request(
                method, f"/v1/connections/{connection_id}", headers=headers
            )
            assert response.status_code == 404, (method, response.text)
            assert response.headers["content-type"] == "application/problem+json"
    response = await browser.client.get(f"/v1/connections/{connection_id}", headers=_jwt("ws-1"))
    assert response.status_code == 200


async def test_an_unknown_connection_is_404(browser: Browser) -> None:
    response = await browser.client.get("/v1/connections/nope", headers=browser.headers)
    assert response.status_code == 404


async def test_reading_needs_a_credential(browser: Browser) -> None:
    assert (await browser.client.get("/v1/connections?workspace_id=ws-1")).status_code == 401
