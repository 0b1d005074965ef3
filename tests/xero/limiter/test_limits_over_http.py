"""Xero's answers about its limits, from the sandbox over HTTP, for both limiter backends.

Calls "behind the limiter's back" (another deployment of the same app, calls before a restart)
are made with the same grant's token straight to the sandbox.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import MakeDatabase
from tests.tokens.sandbox_support import SandboxServer
from tests.xero.limiter.conftest import MakeBackend
from tests.xero.limiter_processes import sandbox
from tests.xero.sandbox_tenant import api_client, connect_all
from xero_connector.api.schemas import ConnectionOut
from xero_connector.db.models import Connection
from xero_connector.vault import Vault
from xero_connector.xero.client import TenantClient, XeroApiClient
from xero_connector.xero.errors import XeroRateLimited
from xero_connector.xero.limiter import LimiterWouldWait


@pytest.fixture(scope="module")
async def db_url(make_database: MakeDatabase) -> str:
    """One database for the module: each test stores its own grant and connection."""
    return await make_database()


pytestmark = pytest.mark.slow

SCALE = 30.0  # a Xero minute is two real seconds


@pytest.fixture
def limits() -> dict[str, int]:
    return {}


@pytest.fixture
def server(limits: dict[str, int]) -> Iterator[SandboxServer]:
    with sandbox(scale=SCALE, **limits) as running:
        yield running


@pytest.fixture
async def api(
    server: SandboxServer,
    http: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    vault: Vault,
    make_backend: MakeBackend,
) -> AsyncIterator[XeroApiClient]:
    backend = make_backend(time_scale=SCALE)
    async with api_client(server, http, sessions, vault, backend=backend) as client:
        yield client


@pytest.fixture
async def tenant(
    api: XeroApiClient,
    server: SandboxServer,
    http: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    vault: Vault,
) -> TenantClient:
    connected = await connect_all(server, http, sessions, vault)
    return api.tenant(connected.refs[0])


async def behind_our_back(
    tenant: TenantClient, server: SandboxServer, http: httpx.AsyncClient, calls: int
) -> None:
    token = await tenant.api.tokens.access_token(tenant.ref.grant_id)
    headers = {"Authorization": f"Bearer {token}", "xero-tenant-id": tenant.ref.tenant_id}
    for _ in range(calls):
        answer = await http.get(f"{server.origin}/api.xro/2.0/Organisation", headers=headers)
        assert answer.status_code == 200


@pytest.mark.parametrize("limits", [{"tenant_per_minute": 5}])
async def test_a_minute_429_pauses_the_tenant_then_the_call_goes_through(
    tenant: TenantClient, server: SandboxServer, http: httpx.AsyncClient
) -> None:
    await behind_our_back(tenant, server, http, 5)
    started = time.monotonic()
    read = await tenant.get("Organisation")
    assert read.status == 200
    assert time.monotonic() - started >= 0.5  # it waited out Retry-After before retrying
    assert server.stats()["breaches"] == {"minute": 1}


@pytest.mark.parametrize("limits", [{"tenant_per_day": 3}])
async def test_a_day_429_parks_the_tenant_and_its_connections_show_until_when(
    tenant: TenantClient,
    server: SandboxServer,
    http: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await behind_our_back(tenant, server, http, 3)
    with pytest.raises(XeroRateLimited) as raised:
        await tenant.get("Organisation")
    assert raised.value.problem == "day"
    async with sessions() as session:
        row = await session.get(Connection, tenant.ref.connection_id)
    assert row is not None
    assert ConnectionOut.of(row).rate_limited_until == raised.value.until
    # Parked: the next call is not even sent.
    with pytest.raises(LimiterWouldWait):
        await tenant.get("Organisation", max_wait=1)
    assert server.stats()["breaches"] == {"day": 1}


@pytest.mark.parametrize("limits", [{"app_per_minute": 4}])
async def test_an_app_429_pauses_every_tenant(
    tenant: TenantClient, server: SandboxServer, http: httpx.AsyncClient
) -> None:
    await behind_our_back(tenant, server, http, 4)
    with pytest.raises(XeroRateLimited) as raised:
        await tenant.get("Organisation", max_wait=0.1)
    assert raised.value.problem == "app"
    assert await tenant.api.limiter.wait_estimate("another-tenant") > 0.1
    read = await tenant.get("Organisation")  # after the pause
    assert read.status == 200


async def test_calls_made_behind_our_back_are_learnt_from_the_headers(
    tenant: TenantClient, server: SandboxServer, http: httpx.AsyncClient
) -> None:
    await behind_our_back(tenant, server, http, 40)
    # We counted nothing; Xero's X-MinLimit-Remaining says 20 remain and wins.
    for _ in range(30):
        await tenant.get("Organisation")
    stats = server.stats()
    assert stats["breaches_total"] == 0, stats["breaches"]
    assert stats["calls_per_tenant"][tenant.ref.tenant_id] == 70


async def test_remaining_counts_lowered_at_the_sandbox_are_learnt(
    tenant: TenantClient, server: SandboxServer, http: httpx.AsyncClient
) -> None:
    lowered = await http.post(
        f"{server.origin}/_sandbox/limits",
        json={"tenant": tenant.ref.tenant_id, "minute_remaining": 3, "day_remaining": 40},
    )
    lowered.raise_for_status()
    read = await tenant.get("Organisation")
    assert read.headers["x-minlimit-remaining"] == "2"
    await tenant.get("Organisation")
    await tenant.get("Organisation")
    # Xero's count wins over ours (57 left): the next call would wait for the window.
    with pytest.raises(LimiterWouldWait):
        await tenant.get("Organisation", max_wait=0.2)
    assert server.stats()["breaches_total"] == 0
