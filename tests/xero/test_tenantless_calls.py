"""Tenantless calls (``/connections``) count in the app-wide limit, as Xero counts them."""

from __future__ import annotations

from tests.fake_xero import FakeXero, Tenant
from tests.xero.test_identity_connections import _connect
from xero_connector.xero.identity import XeroIdentity
from xero_connector.xero.limiter import LimitConfig, Limiter, MemoryBackend


async def test_a_connections_call_takes_an_app_wide_slot(
    identity: XeroIdentity, fake_xero: FakeXero
) -> None:
    tokens = await _connect(identity, fake_xero, [Tenant("t-1", "One")])
    limiter = Limiter(MemoryBackend(LimitConfig(app_minute=2)))
    identity.limiter = limiter
    assert await limiter.wait_estimate("t-1") == 0
    await identity.list_connections(tokens.access_token)
    await identity.list_connections(tokens.access_token)
    # Two tenantless calls used the app's whole minute: a tenant's call would now wait.
    assert await limiter.wait_estimate("t-1") > 50
