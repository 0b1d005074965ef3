"""XeroIdentity's /connections calls: filtered listing, delete, and their error classes."""

from __future__ import annotations

import pytest

from tests.fake_xero import FakeXero, Tenant
from xero_connector.xero.errors import XeroAuthError, XeroUnavailable
from xero_connector.xero.identity import XeroIdentity
from xero_connector.xero.tokenset import TokenSet

REDIRECT = "https://connector.example.test/v1/callback"


async def _connect(identity: XeroIdentity, fake: FakeXero, tenants: list[Tenant]) -> TokenSet:
    request = identity.authorization_request(redirect_uri=REDIRECT, scopes=["openid"])
    code = fake.consent(request.url, tenants)
    return await identity.exchange_code(
        code=code, code_verifier=request.code_verifier, redirect_uri=REDIRECT
    )


async def test_connections_are_filtered_by_the_consent_that_added_them(
    identity: XeroIdentity, fake_xero: FakeXero
) -> None:
    await _connect(identity, fake_xero, [Tenant("t-old", "Old Org")])
    tokens = await _connect(identity, fake_xero, [Tenant("t-1", "One"), Tenant("t-2", "Two")])
    everything = await identity.list_connections(tokens.access_token)
    mine = await identity.list_connections(
        tokens.access_token, auth_event_id=tokens.authentication_event_id
    )
    assert {c.tenant_id for c in everything} == {"t-old", "t-1", "t-2"}
    assert {c.tenant_id for c in mine} == {"t-1", "t-2"}
    assert {c.tenant_name for c in mine} == {"One", "Two"}
    assert all(c.auth_event_id == tokens.authentication_event_id for c in mine)


async def test_a_refused_access_token_is_an_auth_error(
    identity: XeroIdentity, fake_xero: FakeXero
) -> None:
    with pytest.raises(XeroAuthError):
        await identity.list_connections("not-a-token")


@pytest.mark.parametrize("failure", ["500", "timeout"])
async def test_listing_failures_are_unavailable(
    identity: XeroIdentity, fake_xero: FakeXero, failure: str
) -> None:
    tokens = await _connect(identity, fake_xero, [Tenant("t-1", "One")])
    fake_xero.fail_connections = failure
    with pytest.raises(XeroUnavailable):
        await identity.list_connections(tokens.access_token)


async def test_delete_connection_removes_it_and_a_second_delete_is_fine(
    identity: XeroIdentity, fake_xero: FakeXero
) -> None:
    tokens = await _connect(identity, fake_xero, [Tenant("t-1", "One")])
    [connection] = await identity.list_connections(tokens.access_token)
    await identity.delete_connection(tokens.access_token, connection.id)
    await identity.delete_connection(tokens.access_token, connection.id)  # 404 counts as done
    assert fake_xero.deleted_connections == [connection.id]
    assert await identity.list_connections(tokens.access_token) == []


@pytest.mark.parametrize("failure", ["502", "timeout"])
async def test_delete_failures_are_unavailable(
    identity: XeroIdentity, fake_xero: FakeXero, failure: str
) -> None:
    tokens = await _connect(identity, fake_xero, [Tenant("t-1", "One")])
    fake_xero.fail_delete = failure
    with pytest.raises(XeroUnavailable):
        await identity.delete_connection(tokens.access_token, "any")
