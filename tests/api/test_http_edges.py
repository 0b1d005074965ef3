"""HTTP edges answered as problem+json: refused CORS preflights, 405s, a database outage."""

from __future__ import annotations

import httpx
import pytest

from tests.api.test_health import DEAD_PG, context_for, serve
from tests.api.test_problems import assert_problem
from xero_connector.main import create_app
from xero_connector.settings import Settings


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
        {"Origin": "https://dash.example", "Access-Control-Request-Method": "PATCH"},
        {
            "Origin": "https://dash.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "x-not-allowed",
        },
    ],
)
async def test_a_refused_preflight_is_a_problem(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.options("/v1/probe/whoami", headers=headers)
    body = assert_problem(response, 400, "cors_refused")
    assert "Disallowed CORS" in str(body["detail"])


async def test_a_405_names_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/connections/some-id")
    assert_problem(response, 405, "method_not_allowed")
    allowed = {method.strip() for method in response.headers["allow"].split(",")}
    assert {"GET", "DELETE"} <= allowed


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/v1/connect"), ("GET", "/v1/connections?workspace_id=ws-1"), ("GET", "/v1/me")],
)
async def test_a_database_outage_is_a_503_problem_while_readyz_names_it(
    method: str, path: str
) -> None:
    context = context_for(DEAD_PG, None)
    try:
        async with serve(create_app(Settings(), context=context)) as client:
            response = await client.request(
                method,
                path,
                json={"workspace_id": "ws-1"} if method == "POST" else None,
                headers={"Authorization": "Bearer xck_0123456789ab_AnyKeyMaterialWillDo"},
            )
            ready = await client.get("/readyz")
    finally:
        await context.aclose()
    body = assert_problem(response, 503, "database_unavailable")
    assert "database" in str(body["detail"])
    assert response.headers["retry-after"]
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"] == "down"
