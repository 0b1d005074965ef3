"""The app over a real engine (a Postgres database of these tests, or a fresh SQLite file), with
helpers to seed connections and make credentials."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.api.conftest import JWT_AUDIENCE, JWT_ISSUER, JWT_SECRET
from tests.api.jwt_helpers import dashboard_jwt
from tests.conftest import MakeDatabase
from tests.ledger.seed import seed_connection
from xero_connector.auth.api_keys import issue_api_key
from xero_connector.auth.authenticator import Authenticator
from xero_connector.auth.dashboard_jwt import DashboardJwtVerifier
from xero_connector.auth.policy import Role
from xero_connector.context import AppContext
from xero_connector.db.engine import make_engine, make_session_factory
from xero_connector.main import create_app
from xero_connector.settings import Settings


@dataclass
class LedgerApi:
    app: FastAPI
    client: httpx.AsyncClient
    sessions: async_sessionmaker[AsyncSession]
    service: dict[str, str]

    async def connection(self, workspace_id: str = "ws-1", **fields: Any) -> str:
        async with self.sessions() as session:
            return await seed_connection(session, workspace_id, **fields)

    async def key(
        self, role: Role = Role.SERVICE, workspace_id: str | None = None
    ) -> dict[str, str]:
        async with self.sessions() as session:
            issued = await issue_api_key(
                session, name="t", role=role, workspace_id=workspace_id, actor="t", source="t"
            )
            await session.commit()
        return {"Authorization": f"Bearer {issued.key}"}

    @staticmethod
    def jwt(workspace_id: str = "ws-1") -> dict[str, str]:
        return {"Authorization": f"Bearer {dashboard_jwt(workspace_id)}"}

    async def post(
        self, path: str, body: Any, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        return await self.client.post(
            path, json=body, headers=self.service if headers is None else headers
        )


@pytest.fixture(scope="session")
async def ledger_pg_url(make_database: MakeDatabase) -> str:
    """A Postgres database of the ledger's API tests alone: they commit (several connections
    run at once), so their rows must not show in tests that count the shared database's."""
    return await make_database()


@pytest.fixture(params=["postgres", "sqlite"])
async def ledger_api(
    request: pytest.FixtureRequest, ledger_pg_url: str, sqlite_url: str
) -> AsyncIterator[LedgerApi]:
    url = ledger_pg_url if request.param == "postgres" else sqlite_url
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    verifier = DashboardJwtVerifier(secret=JWT_SECRET, issuer=JWT_ISSUER, audience=JWT_AUDIENCE)
    context = AppContext(
        session_factory=sessions,
        http=httpx.AsyncClient(),
        authenticator=Authenticator(verifier),
        engine=engine,
    )
    app = create_app(Settings(), context=context)
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        api = LedgerApi(app, client, sessions, {})
        api.service = await api.key()
        yield api
    await context.aclose()
