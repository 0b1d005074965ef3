"""Fixtures for the sandbox's tests: an in-process sandbox per test, reached over httpx's ASGI
transport, plus a tiny stand-in accounting route (``/api.xro/2.0/_probe``) so limits and faults can
be exercised whatever the accounting router does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Header, Request
from fastapi.responses import JSONResponse

from xero_connector.sandbox.app import Sandbox, create_sandbox_app
from xero_connector.sandbox.world import AccessDenied, SandboxConfig

CLIENT_ID = "test-client"
CLIENT_SECRET = "test-secret"
OTHER_CLIENT_ID = "other-client"
OTHER_CLIENT_SECRET = "other-secret"
REDIRECT_URI = "http://app.test/v1/callback"
BASE_URL = "http://sandbox.test"
PROBE = "/api.xro/2.0/_probe"


@dataclass
class Probe:
    """Counts the calls that reached the probe route; ``gate`` (when set) holds them."""

    applied: int = 0
    gate: asyncio.Event | None = None
    entered: int = 0
    seen: list[str] = field(default_factory=list)


def add_probe(app: FastAPI, probe: Probe) -> None:
    sandbox: Sandbox = app.state.sandbox

    async def handler(
        request: Request,
        authorization: str | None = Header(None),
        xero_tenant_id: str | None = Header(None),
    ) -> JSONResponse:
        try:
            tenant = sandbox.world.authorize(authorization, xero_tenant_id)
        except AccessDenied as denied:
            return JSONResponse(denied.body, status_code=denied.status)
        probe.entered += 1
        if probe.gate is not None:
            await probe.gate.wait()
        probe.applied += 1
        probe.seen.append(request.method)
        return JSONResponse({"tenant": tenant})

    app.add_api_route(PROBE, handler, methods=["GET", "PUT", "POST"])


SandboxFactory = Callable[..., Awaitable[tuple[httpx.AsyncClient, Sandbox, Probe]]]


def make_config(**overrides: Any) -> SandboxConfig:
    values: dict[str, Any] = {
        "clients": {CLIENT_ID: CLIENT_SECRET, OTHER_CLIENT_ID: OTHER_CLIENT_SECRET},
        "grace_seconds": 0.0,
    }
    values.update(overrides)
    return SandboxConfig(**values)


@pytest.fixture
async def make_sandbox() -> AsyncIterator[SandboxFactory]:
    """Build an in-process sandbox with config overrides; its client closes after the test."""
    clients: list[httpx.AsyncClient] = []

    async def make(**overrides: Any) -> tuple[httpx.AsyncClient, Sandbox, Probe]:
        app = create_sandbox_app(make_config(**overrides))
        probe = Probe()
        add_probe(app, probe)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=BASE_URL)
        clients.append(client)
        return client, app.state.sandbox, probe

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
async def sandbox(
    make_sandbox: SandboxFactory,
) -> tuple[httpx.AsyncClient, Sandbox, Probe]:
    """A default sandbox: two clients, grace 0, no faults, Xero's limits."""
    return await make_sandbox()
