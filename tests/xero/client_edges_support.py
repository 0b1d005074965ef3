"""respx at the HTTP boundary to Xero: the fake token endpoint plus the Accounting API routes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.tokens.fake_token_endpoint import ENDPOINTS, FakeTokenEndpoint, make_identity
from tests.tokens.fixtures import FAST_POLICY
from xero_connector.db.models import Connection
from xero_connector.tokens.locks import LocalGrantLocks
from xero_connector.tokens.service import TokenService
from xero_connector.vault import Vault
from xero_connector.xero.client import TenantRef, XeroApiClient
from xero_connector.xero.limiter import LimitConfig, Limiter, MemoryBackend
from xero_connector.xero.tenant_status import TenantStatus

API = f"{ENDPOINTS.api_base}/api.xro/2.0"


@pytest.fixture
def mocked() -> Iterator[tuple[respx.MockRouter, FakeTokenEndpoint]]:
    endpoint = FakeTokenEndpoint()
    with respx.mock(assert_all_called=False) as router:
        endpoint.mount(router)
        yield router, endpoint


@pytest.fixture
def fake(mocked: tuple[respx.MockRouter, FakeTokenEndpoint]) -> FakeTokenEndpoint:
    return mocked[1]


@pytest.fixture
def router(mocked: tuple[respx.MockRouter, FakeTokenEndpoint]) -> respx.MockRouter:
    return mocked[0]


@pytest.fixture
async def api(
    http: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], vault: Vault
) -> AsyncIterator[XeroApiClient]:
    identity = make_identity(http)
    tokens = TokenService(
        session_factory=sessions,
        vault=vault,
        identity=identity,
        locks=LocalGrantLocks(),
        policy=FAST_POLICY,
    )
    config = LimitConfig(time_scale=60.0, poll_seconds=0.02)
    client = XeroApiClient(
        http=http,
        tokens=tokens,
        limiter=Limiter(MemoryBackend(config)),
        status=TenantStatus(sessions),
        api_base=ENDPOINTS.api_base,
        timeout=2.0,
    )
    yield client
    await tokens.drain()
    await client.aclose()
    await identity.aclose()


async def ref_of(sessions: async_sessionmaker[AsyncSession], grant_id: str) -> TenantRef:
    async with sessions() as session:
        row = (
            await session.execute(select(Connection).where(Connection.grant_id == grant_id))
        ).scalar_one()
    return TenantRef.of(row)
