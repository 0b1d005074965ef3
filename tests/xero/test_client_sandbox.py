"""The tenant client end to end against a sandbox subprocess over HTTP (in-process limiter)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import MakeDatabase
from tests.tokens.sandbox_support import SandboxServer, run_sandbox
from tests.xero.sandbox_tenant import SandboxTenant, api_client, connect_all
from xero_connector.db.models import Connection
from xero_connector.vault import Vault
from xero_connector.xero.client import XeroApiClient
from xero_connector.xero.errors import XeroDisconnected, XeroNotFound
from xero_connector.xero.values import parse_amount, parse_datetime


@pytest.fixture(scope="module")
async def db_url(make_database: MakeDatabase) -> str:
    """One database for the module: each test stores its own grant and connection."""
    return await make_database()


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with run_sandbox(grace_seconds=1800) as running:
        yield running


@pytest.fixture
async def alice(
    server: SandboxServer,
    http: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    vault: Vault,
) -> SandboxTenant:

    (await http.post(f"{server.origin}/_sandbox/reset")).raise_for_status()
    return await connect_all(server, http, sessions, vault)


@pytest.fixture
async def api(
    server: SandboxServer,
    http: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    vault: Vault,
) -> AsyncIterator[XeroApiClient]:
    async with api_client(server, http, sessions, vault) as client:
        yield client


async def test_get_organisation_sends_the_grants_token_and_the_tenant(
    api: XeroApiClient, alice: SandboxTenant, server: SandboxServer
) -> None:
    ref = alice.refs[0]
    read = await api.tenant(ref).get("Organisation")
    assert read.status == 200
    assert read.body is not None
    assert read.body["Organisations"][0]["Name"]
    assert read.headers["x-minlimit-remaining"] == "59"
    assert server.stats()["calls_per_tenant"] == {ref.tenant_id: 1}


async def test_dates_become_aware_datetimes_and_amounts_decimals(
    api: XeroApiClient, alice: SandboxTenant
) -> None:
    read = await api.tenant(alice.refs[0]).get("TaxRates")
    assert read.body is not None
    rate = read.body["TaxRates"][0]
    assert isinstance(rate["EffectiveRate"], Decimal | int)
    assert parse_amount(rate["EffectiveRate"]) == Decimal(str(rate["EffectiveRate"]))
    moment = parse_datetime(read.body["DateTimeUTC"])
    assert moment is not None
    assert moment.tzinfo is not None
    assert abs(moment - datetime.now(UTC)) < timedelta(minutes=5)


async def test_get_all_follows_pages_until_a_short_one(
    api: XeroApiClient, alice: SandboxTenant, server: SandboxServer
) -> None:
    tenant = api.tenant(alice.refs[0])
    names = [f"Paged Contact {n}" for n in range(7)]
    await tenant.write_batch(
        "Contacts", "Contacts", [{"Name": n} for n in names], method="PUT", idempotency_key="pages"
    )
    before = sum(server.stats()["calls_per_tenant"].values())
    paged = await tenant.get_all(
        "Contacts", "Contacts", where='Name.StartsWith("Paged Contact")', page_size=3
    )
    calls = sum(server.stats()["calls_per_tenant"].values()) - before
    assert paged is not None
    assert sorted(c["Name"] for c in paged) == names
    assert calls == 3  # 3 + 3 + a short page of 1


async def test_get_all_filters_with_where_and_ids(api: XeroApiClient, alice: SandboxTenant) -> None:
    tenant = api.tenant(alice.refs[0])
    bank = await tenant.get_all("Accounts", "Accounts", where='Type=="BANK"', paged=False)
    assert bank
    assert {account["Type"] for account in bank} == {"BANK"}


async def test_a_write_batch_gives_one_outcome_per_element_in_order(
    api: XeroApiClient, alice: SandboxTenant
) -> None:
    tenant = api.tenant(alice.refs[0])
    elements = [{"Name": "Client Test One"}, {"Name": ""}, {"Name": "Client Test Two"}]
    outcomes = await tenant.write_batch(
        "Contacts", "Contacts", elements, method="PUT", idempotency_key="batch-1"
    )
    assert [outcome.status for outcome in outcomes] == ["ok", "error", "ok"]
    assert outcomes[0].xero_id
    assert outcomes[2].xero_id
    assert outcomes[1].xero_id is None
    assert outcomes[1].messages
    stored = await tenant.get_all("Contacts", "Contacts", ids=[outcomes[0].xero_id])
    assert stored is not None
    assert [c["Name"] for c in stored] == ["Client Test One"]


async def test_the_same_idempotency_key_does_not_create_twice(
    api: XeroApiClient, alice: SandboxTenant
) -> None:
    tenant = api.tenant(alice.refs[0])
    elements = [{"Name": "Once Only"}]
    first = await tenant.write_batch(
        "Contacts", "Contacts", elements, method="PUT", idempotency_key="same-key"
    )
    again = await tenant.write_batch(
        "Contacts", "Contacts", elements, method="PUT", idempotency_key="same-key"
    )
    assert first[0].xero_id == again[0].xero_id


async def test_if_modified_since_in_the_future_is_a_304(
    api: XeroApiClient, alice: SandboxTenant
) -> None:
    tenant = api.tenant(alice.refs[0])
    later = datetime.now(UTC) + timedelta(days=1)
    found = await tenant.get_all("Contacts", "Contacts", if_modified_since=later)
    assert found in (None, [])


async def test_a_missing_document_is_not_found(api: XeroApiClient, alice: SandboxTenant) -> None:
    with pytest.raises(XeroNotFound):
        await api.tenant(alice.refs[0]).get("Invoices/00000000-0000-4000-8000-00000000abcd")


async def test_a_tenant_disconnected_inside_xero_marks_the_connection(
    api: XeroApiClient,
    alice: SandboxTenant,
    server: SandboxServer,
    sessions: async_sessionmaker[AsyncSession],
    http: httpx.AsyncClient,
) -> None:
    ref = alice.refs[0]
    await http.post(f"{server.origin}/_sandbox/disconnect", params={"tenant": ref.tenant_id})
    with pytest.raises(XeroDisconnected):
        await api.tenant(ref).get("Organisation")
    async with sessions() as session:
        row = await session.get(Connection, ref.connection_id)
    assert row is not None
    assert row.status == "disconnected"
