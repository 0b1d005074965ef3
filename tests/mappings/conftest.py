"""The connector app (Postgres, an in-process job runner, the real Accounting API client) wired
to a Xero sandbox subprocess over HTTP, where carol consents to AU, UK and US at once.

``SandboxConnector`` plays the dashboard: connect through the sandbox, call the settings and
mappings routes, change the organisation "inside Xero" (``/_sandbox/settings``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.connector_app import make_api_key
from tests.tokens.sandbox_support import SandboxServer, run_sandbox
from xero_connector.auth.authenticator import Authenticator
from xero_connector.context import AppContext
from xero_connector.jobs.inprocess import InProcessRunner
from xero_connector.main import create_app
from xero_connector.settings import DEFAULT_SCOPES, Settings
from xero_connector.tasks.context import TaskResources
from xero_connector.tasks.registry import TASKS
from xero_connector.tokens.backoff import Backoff
from xero_connector.tokens.locks import LocalGrantLocks
from xero_connector.tokens.service import TokenService
from xero_connector.vault import Vault
from xero_connector.xero.client import XeroApiClient
from xero_connector.xero.limiter import LimitConfig, Limiter, MemoryBackend
from xero_connector.xero.tenant_status import TenantStatus

AU = "a3b7c1d2-0000-4000-8000-000000000001"
UK = "a3b7c1d2-0000-4000-8000-000000000002"
US = "a3b7c1d2-0000-4000-8000-000000000003"
CONNECTOR_CALLBACK = "http://connector.test/v1/callback"


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with run_sandbox(grace_seconds=1800, extra=("--auto-approve", "carol")) as running:
        yield running


@dataclass
class SandboxConnector:
    """The connector's API over ASGI, its job runner, and the sandbox it talks to over HTTP."""

    client: httpx.AsyncClient
    headers: dict[str, str]
    runner: InProcessRunner
    sandbox: SandboxServer
    http: httpx.AsyncClient
    sessions: async_sessionmaker[AsyncSession]
    sent: list[httpx.Request] = field(default_factory=list)  # every request to the sandbox

    async def connect(self, workspace_id: str = "ws-maps") -> dict[str, str]:
        """Carol connects AU, UK and US; ``{tenant id: connection id}`` once the jobs ran."""
        answer = await self.client.post(
            "/v1/connect", json={"workspace_id": workspace_id}, headers=self.headers
        )
        assert answer.status_code == 201, answer.text
        consent = await self.http.get(answer.json()["authorize_url"], follow_redirects=False)
        location = httpx.URL(consent.headers["location"])
        callback = await self.client.get("/v1/callback", params=dict(location.params))
        assert callback.status_code == 200, callback.text
        await self.runner.drain()
        listed = await self.get("/v1/connections", workspace_id=workspace_id)
        return {item["tenant_id"]: item["id"] for item in listed["items"]}

    async def get(self, path: str, **params: Any) -> dict[str, Any]:
        answer = await self.client.get(path, params=params, headers=self.headers)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    async def put_mappings(self, connection_id: str, items: list[dict[str, Any]]) -> httpx.Response:
        return await self.client.put(
            f"/v1/connections/{connection_id}/mappings",
            json={"items": items},
            headers=self.headers,
        )

    async def pull(self, connection_id: str) -> dict[str, Any]:
        """``POST .../settings/pull`` and wait for the job."""
        answer = await self.client.post(
            f"/v1/connections/{connection_id}/settings/pull", headers=self.headers
        )
        assert answer.status_code == 202, answer.text
        await self.runner.drain()
        body: dict[str, Any] = answer.json()
        return body

    async def change_at_xero(self, tenant: str, *changes: dict[str, str]) -> None:
        answer = await self.http.post(
            f"{self.sandbox.origin}/_sandbox/settings",
            json={"tenant": tenant, "changes": list(changes)},
        )
        assert answer.status_code == 200, answer.text

    def calls_to(self, path: str) -> list[httpx.Request]:
        return [r for r in self.sent if r.url.path == f"/api.xro/2.0/{path}"]


@pytest.fixture
async def connector(
    server: SandboxServer, sessions: async_sessionmaker[AsyncSession], vault: Vault
) -> AsyncIterator[SandboxConnector]:
    """A connector on a fresh database, the sandbox reset to its seeded settings."""
    sent: list[httpx.Request] = []

    async def record(request: httpx.Request) -> None:
        sent.append(request)

    http = httpx.AsyncClient(timeout=10.0, event_hooks={"request": [record]})
    (await http.post(f"{server.origin}/_sandbox/reset")).raise_for_status()
    identity = server.identity(http)
    tokens = TokenService(
        session_factory=sessions, vault=vault, identity=identity, locks=LocalGrantLocks()
    )
    api = XeroApiClient(
        http=http,
        tokens=tokens,
        limiter=Limiter(MemoryBackend(LimitConfig())),
        status=TenantStatus(sessions),
        api_base=server.origin,
        timeout=10.0,
    )
    runner = InProcessRunner(TASKS, max_tries=3, backoff=Backoff(0.02, 0.05))
    runner.ctx["resources"] = TaskResources(
        session_factory=sessions, tokens=tokens, remote=identity, dispatcher=runner, xero_api=api
    )
    context = AppContext(
        session_factory=sessions,
        http=http,
        authenticator=Authenticator(),
        vault=vault,
        token_service=tokens,
        xero_identity=identity,
        xero_redirect_uri=CONNECTOR_CALLBACK,
        xero_scopes=tuple(DEFAULT_SCOPES.split()),
        dispatcher=runner,
        xero_api=api,
    )
    key = await make_api_key(context)
    transport = httpx.ASGITransport(create_app(Settings(), context=context))
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://connector.test"
        ) as client:
            yield SandboxConnector(
                client, {"Authorization": f"Bearer {key}"}, runner, server, http, sessions, sent
            )
    finally:
        await runner.stop()
        await context.aclose()
