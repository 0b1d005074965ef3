"""A real grant and connection at a sandbox subprocess, for tests of the tenant client over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.tokens.sandbox_support import SandboxServer, consent
from xero_connector.db.base import new_id
from xero_connector.db.models import Connection, XeroGrant
from xero_connector.tokens.locks import LocalGrantLocks
from xero_connector.tokens.sealing import seal_into
from xero_connector.tokens.service import TokenService
from xero_connector.vault import Vault
from xero_connector.xero.client import TenantRef, XeroApiClient
from xero_connector.xero.limiter import LimitConfig, Limiter, MemoryBackend
from xero_connector.xero.limiter.backend import LimiterBackend
from xero_connector.xero.tenant_status import TenantStatus


@dataclass(frozen=True)
class SandboxTenant:
    """Every organisation alice consented to, each a connection row of one grant."""

    grant_id: str
    refs: list[TenantRef]


async def connect_all(
    server: SandboxServer,
    http: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    vault: Vault,
    *,
    workspace_id: str | None = None,
) -> SandboxTenant:
    workspace_id = workspace_id or f"ws-client-{new_id()[:8]}"
    identity = server.identity(http)
    try:
        tokens = await consent(identity, http)
        tenants = await identity.list_connections(tokens.access_token)
    finally:
        await identity.aclose()
    grant = XeroGrant(id=new_id(), workspace_id=workspace_id)
    seal_into(vault, grant, tokens)
    refs = []
    async with sessions() as session:
        session.add(grant)
        await session.flush()
        for tenant in tenants:
            row = Connection(
                workspace_id=workspace_id,
                grant_id=grant.id,
                tenant_id=tenant.tenant_id,
                xero_connection_id=tenant.id,
                tenant_name=tenant.tenant_name,
            )
            session.add(row)
            await session.flush()
            refs.append(TenantRef.of(row))
        await session.commit()
    return SandboxTenant(grant.id, refs)


@asynccontextmanager
async def api_client(
    server: SandboxServer,
    http: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    vault: Vault,
    *,
    backend: LimiterBackend | None = None,
    config: LimitConfig | None = None,
) -> AsyncIterator[XeroApiClient]:
    """The client with its own token service (over the sandbox's identity) and limiter."""
    identity = server.identity(http)
    tokens = TokenService(
        session_factory=sessions, vault=vault, identity=identity, locks=LocalGrantLocks()
    )
    client = XeroApiClient(
        http=http,
        tokens=tokens,
        limiter=Limiter(backend or MemoryBackend(config or LimitConfig())),
        status=TenantStatus(sessions),
        api_base=server.origin,
        timeout=10.0,
    )
    try:
        yield client
    finally:
        await tokens.drain()
        await client.aclose()
        await identity.aclose()
