"""The connector app wired to the fake Xero, and helpers that play the browser's part.

``xero_context`` binds the app to the test's rolled-back Postgres connection; ``sqlite_context``
gives the same app on a fresh SQLite file. ``Browser`` walks the connect flow.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from tests.api.conftest import JWT_AUDIENCE, JWT_ISSUER, JWT_SECRET
from tests.fake_xero import CLIENT_ID, CLIENT_SECRET, ENDPOINTS, FakeXero, Tenant
from xero_connector.auth.api_keys import issue_api_key
from xero_connector.auth.authenticator import Authenticator
from xero_connector.auth.dashboard_jwt import DashboardJwtVerifier
from xero_connector.auth.policy import Role
from xero_connector.context import AppContext
from xero_connector.db.engine import make_engine, make_session_factory
from xero_connector.db.models import Connection, XeroGrant
from xero_connector.main import create_app
from xero_connector.settings import DEFAULT_SCOPES, Settings
from xero_connector.tokens.locks import LocalGrantLocks
from xero_connector.tokens.service import TokenService
from xero_connector.vault import LocalKeyring, Vault, generate_key_entry
from xero_connector.xero.identity import XeroIdentity

DASHBOARD = "https://dash.example"
RETURN_URL = f"{DASHBOARD}/settings/xero?tab=connections"
REDIRECT_URI = "http://test/v1/callback"
KEY_ENTRY = generate_key_entry("test")


def _context(factory: async_sessionmaker[AsyncSession], **extra: Any) -> AppContext:
    http = httpx.AsyncClient(timeout=5.0)
    verifier = DashboardJwtVerifier(secret=JWT_SECRET, issuer=JWT_ISSUER, audience=JWT_AUDIENCE)
    identity = XeroIdentity(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, endpoints=ENDPOINTS, http=http
    )
    vault = Vault(LocalKeyring.from_setting(KEY_ENTRY))
    # One process per test: in-process grant locks are enough (the token layer tests the rest).
    tokens = TokenService(
        session_factory=factory, vault=vault, identity=identity, locks=LocalGrantLocks()
    )
    return AppContext(
        session_factory=factory,
        http=http,
        authenticator=Authenticator(verifier),
        return_url_origins=(DASHBOARD,),
        vault=vault,
        token_service=tokens,
        xero_identity=identity,
        xero_redirect_uri=REDIRECT_URI,
        xero_scopes=tuple(DEFAULT_SCOPES.split()),
        **extra,
    )


@pytest.fixture
async def xero_context(
    db_connection: AsyncConnection, fake_xero: FakeXero
) -> AsyncIterator[AppContext]:
    factory = async_sessionmaker(
        bind=db_connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    context = _context(factory)
    yield context
    await context.aclose()


@pytest.fixture
async def sqlite_context(sqlite_url: str, fake_xero: FakeXero) -> AsyncIterator[AppContext]:
    engine = make_engine(sqlite_url)
    context = _context(make_session_factory(engine), engine=engine)
    yield context
    await context.aclose()


def app_for(context: AppContext) -> FastAPI:
    return create_app(Settings(return_url_origins=DASHBOARD), context=context)


async def make_api_key(
    context: AppContext, role: Role = Role.SERVICE, workspace_id: str | None = None
) -> str:
    async with context.session_factory() as session:
        issued = await issue_api_key(
            session, name="test", role=role, workspace_id=workspace_id, actor="test", source="test"
        )
        await session.commit()
    return issued.key


@dataclass
class Browser:
    """Plays the user's browser and the dashboard: connect, consent at Xero, follow back."""

    client: httpx.AsyncClient
    fake: FakeXero
    context: AppContext
    headers: dict[str, str]

    async def start(self, workspace_id: str | None = "ws-1", **body: Any) -> httpx.Response:
        payload: dict[str, Any] = {"return_url": RETURN_URL, **body}
        if workspace_id is not None:
            payload["workspace_id"] = workspace_id
        return await self.client.post("/v1/connect", json=payload, headers=self.headers)

    async def authorize_url(self, workspace_id: str | None = "ws-1", **body: Any) -> str:
        response = await self.start(workspace_id, **body)
        assert response.status_code == 201, response.text
        return str(response.json()["authorize_url"])

    async def callback(self, **params: str) -> httpx.Response:
        return await self.client.get("/v1/callback", params=params)

    async def connect(
        self, tenants: list[Tenant], workspace_id: str | None = "ws-1", **body: Any
    ) -> httpx.Response:
        """The whole flow; answers the callback's response."""
        url = await self.authorize_url(workspace_id, **body)
        code = self.fake.consent(url, tenants)
        return await self.callback(code=code, state=state_of(url))

    async def count(self, model: type[Connection] | type[XeroGrant]) -> int:
        async with self.context.session_factory() as session:
            return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def state_of(authorize_url: str) -> str:
    return parse_qs(urlsplit(authorize_url).query)["state"][0]


def outcome_of(response: httpx.Response) -> dict[str, str]:
    """The query the callback's 303 added to the return URL."""
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith(f"{DASHBOARD}/settings/xero?tab=connections&")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@asynccontextmanager
async def open_browser(context: AppContext, fake_xero: FakeXero) -> AsyncIterator[Browser]:
    """A service-key caller on the app bound to ``context``."""
    key = await make_api_key(context)
    transport = httpx.ASGITransport(app_for(context))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield Browser(client, fake_xero, context, {"Authorization": f"Bearer {key}"})


@pytest.fixture
async def browser(xero_context: AppContext, fake_xero: FakeXero) -> AsyncIterator[Browser]:
    """A service-key caller on the Postgres-backed app."""
    async with open_browser(xero_context, fake_xero) as browser:
        yield browser
