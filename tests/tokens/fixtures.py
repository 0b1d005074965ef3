"""Token-layer fixtures (fresh database, vault, fake token endpoint, seeded grants), shared with
the jobs and metrics tests through ``pytest_plugins`` in tests/conftest.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tests.conftest import MakeDatabase
from tests.tokens.fake_token_endpoint import FakeTokenEndpoint, make_identity
from xero_connector.db.base import new_id
from xero_connector.db.engine import make_engine, make_session_factory
from xero_connector.db.models import Connection, XeroGrant
from xero_connector.tokens.locks import PgAdvisoryGrantLocks
from xero_connector.tokens.refresh import RefreshPolicy
from xero_connector.tokens.sealing import seal_into
from xero_connector.tokens.service import TokenService
from xero_connector.vault import LocalKeyring, Vault, generate_key_entry
from xero_connector.xero.tokenset import TokenSet

SeedGrant = Callable[..., Awaitable[str]]
FAST_POLICY = RefreshPolicy(grace_retry_pause_seconds=0.01)


@pytest.fixture(scope="session")
def vault() -> Vault:
    return Vault(LocalKeyring.from_setting(generate_key_entry()))


@pytest.fixture
async def db_url(make_database: MakeDatabase) -> str:
    """A fresh database per test: the token service commits, and sweeps see every row."""
    return await make_database()


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(db_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_session_factory(engine)


@pytest.fixture
def fake() -> Iterator[FakeTokenEndpoint]:
    endpoint = FakeTokenEndpoint()
    with respx.mock(assert_all_called=False) as router:
        endpoint.mount(router)
        yield endpoint


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def seed_grant(
    sessions: async_sessionmaker[AsyncSession], vault: Vault, fake: FakeTokenEndpoint
) -> SeedGrant:
    """Store a grant (and one connection) whose refresh token and tenant the fake knows."""

    async def seed(
        *,
        expires_in: timedelta = timedelta(seconds=-60),
        used_ago: timedelta | None = timedelta(seconds=10),
        refreshed_ago: timedelta = timedelta(minutes=40),
        **fields: object,
    ) -> str:
        now = datetime.now(UTC)
        grant = XeroGrant(id=new_id(), workspace_id="ws-tokens", **fields)
        tokens = TokenSet(
            access_token=f"access-{grant.id}",
            refresh_token=fake.issue(grant.id),
            expires_at=now + expires_in,
        )
        seal_into(vault, grant, tokens)
        grant.refreshed_at = now - refreshed_ago
        grant.last_used_at = now - used_ago if used_ago is not None else None
        tenant_id = new_id()
        fake.connect(grant.id, tokens.access_token, tenant_id)
        async with sessions() as session:
            session.add(grant)
            await session.flush()
            session.add(
                Connection(
                    workspace_id="ws-tokens",
                    grant_id=grant.id,
                    tenant_id=tenant_id,
                    xero_connection_id=new_id(),
                )
            )
            await session.commit()
        return grant.id

    return seed


@pytest.fixture
def make_service(
    engine: AsyncEngine, vault: Vault, http: httpx.AsyncClient
) -> Callable[..., TokenService]:
    def make(
        *, policy: RefreshPolicy = FAST_POLICY, own_engine: AsyncEngine | None = None
    ) -> TokenService:
        used = own_engine or engine
        return TokenService(
            session_factory=make_session_factory(used),
            vault=vault,
            identity=make_identity(http),
            locks=PgAdvisoryGrantLocks(used, wait_seconds=10),
            policy=policy,
        )

    return make


async def end_backoff(sessions: async_sessionmaker[AsyncSession], grant_id: str) -> None:
    """As if the backoff a failed refresh set had run out."""
    async with sessions() as session:
        await session.execute(
            update(XeroGrant)
            .where(XeroGrant.id == grant_id)
            .values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        await session.commit()
