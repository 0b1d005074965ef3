"""What the token layer does with a grant's connections: tenants gone at Xero, owed revocations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.tokens.fake_token_endpoint import FakeTokenEndpoint, make_identity
from tests.tokens.fixtures import SeedGrant
from xero_connector.auth.api_keys import issue_api_key
from xero_connector.auth.authenticator import Authenticator
from xero_connector.auth.policy import Role
from xero_connector.context import AppContext
from xero_connector.db.models import Connection, XeroGrant
from xero_connector.jobs.inprocess import InProcessRunner
from xero_connector.main import create_app
from xero_connector.settings import Settings
from xero_connector.tasks.context import TaskResources
from xero_connector.tasks.disconnect import revoke_grant
from xero_connector.tokens.disconnects import mark_missing_tenants
from xero_connector.tokens.errors import GrantNeedsReauth
from xero_connector.tokens.service import TokenService

MakeService = Callable[..., TokenService]


async def _connection(sessions: async_sessionmaker[AsyncSession], grant_id: str) -> Connection:
    async with sessions() as session:
        query = select(Connection).where(Connection.grant_id == grant_id)
        return (await session.scalars(query)).one()


async def test_a_tenant_xero_no_longer_lists_is_disconnected_once(
    seed_grant: SeedGrant, sessions: async_sessionmaker[AsyncSession]
) -> None:
    grant_id = await seed_grant()
    connection = await _connection(sessions, grant_id)
    async with sessions() as session:
        assert (
            await mark_missing_tenants(
                session, grant_id, {connection.tenant_id}, at=datetime.now(UTC)
            )
            == []
        )
        changed = await mark_missing_tenants(session, grant_id, set(), at=datetime.now(UTC))
        again = await mark_missing_tenants(session, grant_id, set(), at=datetime.now(UTC))
        await session.commit()
    assert changed == [connection.id]
    assert again == []
    assert (await _connection(sessions, grant_id)).status == "disconnected"


async def test_an_owed_revocation_is_cancelled_while_a_live_connection_uses_the_grant(
    seed_grant: SeedGrant,
    make_service: MakeService,
    sessions: async_sessionmaker[AsyncSession],
    fake: FakeTokenEndpoint,
    http: httpx.AsyncClient,
) -> None:
    grant_id = await seed_grant(revocation_due_at=datetime.now(UTC))
    resources = TaskResources(
        session_factory=sessions,
        tokens=make_service(),
        remote=make_identity(http),
        dispatcher=InProcessRunner({}),  # revoke_grant enqueues nothing
    )
    ctx: dict[str, Any] = {"resources": resources}
    assert await revoke_grant(ctx, grant_id) == "cancelled"
    async with sessions() as session:
        grant = await session.get(XeroGrant, grant_id)
    assert grant is not None
    assert grant.revocation_due_at is None
    assert grant.token_ciphertext is not None
    assert fake.revocations == 0


async def test_a_refused_refresh_shows_as_needs_reauth_in_the_connections_api(
    seed_grant: SeedGrant,
    make_service: MakeService,
    sessions: async_sessionmaker[AsyncSession],
    fake: FakeTokenEndpoint,
) -> None:
    grant_id = await seed_grant()
    connection = await _connection(sessions, grant_id)
    fake.revoke_grant(grant_id)
    with pytest.raises(GrantNeedsReauth):
        await make_service().access_token(grant_id)
    async with sessions() as session:
        issued = await issue_api_key(
            session,
            name="reader",
            role=Role.SERVICE,
            workspace_id=None,
            actor="test",
            source="test",
        )
        await session.commit()
    context = AppContext(
        session_factory=sessions, http=httpx.AsyncClient(), authenticator=Authenticator()
    )
    transport = httpx.ASGITransport(create_app(Settings(), context=context))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            headers = {"Authorization": f"Bearer {issued.key}"}
            one = await client.get(f"/v1/connections/{connection.id}", headers=headers)
            listed = await client.get(
                "/v1/connections", params={"workspace_id": "ws-tokens"}, headers=headers
            )
    finally:
        await context.aclose()
    assert one.status_code == 200
    assert one.json()["status"] == "needs_reauth"
    assert [(c["id"], c["status"]) for c in listed.json()["items"]] == [
        (connection.id, "needs_reauth")
    ]
