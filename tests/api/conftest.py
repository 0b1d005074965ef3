"""An app bound to the test's rolled-back connection, and a client that talks to it in process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from tests.api import probe
from xero_connector.auth.api_keys import issue_api_key
from xero_connector.auth.authenticator import Authenticator
from xero_connector.auth.dashboard_jwt import DashboardJwtVerifier
from xero_connector.auth.policy import Role
from xero_connector.context import AppContext
from xero_connector.main import create_app
from xero_connector.settings import Settings

JWT_SECRET = "a-test-secret-that-is-long-enough-for-hs256"
JWT_ISSUER = "https://platform.example"
JWT_AUDIENCE = "xero-connector"

MakeKey = Callable[..., Awaitable[str]]


@pytest.fixture
async def app_context(db_connection: AsyncConnection) -> AsyncIterator[AppContext]:
    factory = async_sessionmaker(
        bind=db_connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    verifier = DashboardJwtVerifier(secret=JWT_SECRET, issuer=JWT_ISSUER, audience=JWT_AUDIENCE)
    context = AppContext(
        session_factory=factory, http=httpx.AsyncClient(), authenticator=Authenticator(verifier)
    )
    yield context
    await context.aclose()


@pytest.fixture
def app(app_context: AppContext) -> FastAPI:
    application = create_app(Settings(cors_origins="https://dash.example"), context=app_context)
    application.include_router(probe.router)
    return application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@pytest.fixture
def make_key(session: AsyncSession) -> MakeKey:
    """``await make_key(role, workspace_id=None)`` -> the key string (committed)."""

    async def make(role: Role = Role.SERVICE, workspace_id: str | None = None) -> str:
        issued = await issue_api_key(
            session, name="test", role=role, workspace_id=workspace_id, actor="test", source="test"
        )
        await session.commit()
        return issued.key

    return make
