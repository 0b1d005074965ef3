"""Browsers may call from the configured origins only."""

from __future__ import annotations

import httpx


async def test_preflight_from_an_allowed_origin_is_answered(client: httpx.AsyncClient) -> None:
    response = await client.options(
        "/v1/probe/whoami",
        headers={
            "Origin": "https://dash.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://dash.example"


async def test_errors_carry_cors_headers_for_an_allowed_origin(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/probe/whoami", headers={"Origin": "https://dash.example"})
    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == "https://dash.example"


async def test_another_origin_gets_no_cors_grant(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers
