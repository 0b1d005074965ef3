"""The tenant client's edges, with respx as Xero: tokens, lost answers, bodies, 429s, batches."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import MakeDatabase
from tests.tokens.fake_token_endpoint import FakeTokenEndpoint
from tests.tokens.fixtures import SeedGrant
from tests.xero.client_edges_support import API, api, fake, mocked, ref_of, router
from xero_connector.api.schemas import ConnectionOut
from xero_connector.db.models import Connection
from xero_connector.metrics import REGISTRY
from xero_connector.xero.client import TenantRef, XeroApiClient
from xero_connector.xero.errors import (
    XeroAuthFailed,
    XeroRateLimited,
    XeroUnavailable,
    XeroUncertain,
    XeroValidation,
)
from xero_connector.xero.limiter import LimiterWouldWait


@pytest.fixture(scope="module")
async def db_url(make_database: MakeDatabase) -> str:
    """One database for the module: each test stores its own grant and connection."""
    return await make_database()


__all__ = ["api", "fake", "mocked", "router"]

FRESH = timedelta(minutes=30)
CONTACT_OK = {"ContactID": "c0ffee00-0000-4000-8000-000000000001", "StatusAttributeString": "OK"}


@pytest.fixture
async def ref(seed_grant: SeedGrant, sessions: async_sessionmaker[AsyncSession]) -> TenantRef:
    return await ref_of(sessions, await seed_grant(expires_in=FRESH))


def org(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"Organisations": [{"Name": "Org"}]})


async def test_a_call_sends_the_bearer_the_tenant_and_accept_json(
    api: XeroApiClient, ref: TenantRef, router: respx.MockRouter
) -> None:
    route = router.get(f"{API}/Organisation").mock(side_effect=org)
    await api.tenant(ref).get("Organisation")
    sent = route.calls.last.request
    assert sent.headers["authorization"] == f"Bearer access-{ref.grant_id}"
    assert sent.headers["xero-tenant-id"] == ref.tenant_id
    assert sent.headers["accept"] == "application/json"


async def test_calls_and_429s_are_counted_in_the_metrics(
    api: XeroApiClient, ref: TenantRef, router: respx.MockRouter
) -> None:
    def sample(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    calls = ("xero_connector_xero_calls_total", {"endpoint": "GET Organisation", "status": "200"})
    day = ("xero_connector_xero_rate_limited_total", {"problem": "day"})
    before = sample(calls[0], **calls[1]), sample(day[0], **day[1])
    router.get(f"{API}/Organisation").mock(
        side_effect=[
            org(httpx.Request("GET", "/")),
            httpx.Response(429, headers={"Retry-After": "60", "X-Rate-Limit-Problem": "day"}),
        ]
    )
    await api.tenant(ref).get("Organisation")
    with pytest.raises(XeroRateLimited):
        await api.tenant(ref).get("Organisation")
    assert sample(calls[0], **calls[1]) == before[0] + 1
    assert sample(day[0], **day[1]) == before[1] + 1


async def test_a_401_refreshes_once_and_retries(
    api: XeroApiClient, ref: TenantRef, router: respx.MockRouter, fake: FakeTokenEndpoint
) -> None:
    answers = [httpx.Response(401, json={"Detail": "TokenExpired"}), org(httpx.Request("GET", "/"))]
    route = router.get(f"{API}/Organisation").mock(side_effect=answers)
    read = await api.tenant(ref).get("Organisation")
    assert read.status == 200
    assert fake.rotations == 1
    first, second = (call.request.headers["authorization"] for call in route.calls)
    assert first != second


async def test_a_second_401_is_auth_failed(
    api: XeroApiClient, ref: TenantRef, router: respx.MockRouter, fake: FakeTokenEndpoint
) -> None:
    route = router.get(f"{API}/Organisation").respond(401, json={"Detail": "TokenInvalid"})
    with pytest.raises(XeroAuthFailed) as raised:
        await api.tenant(ref).get("Organisation")
    assert route.call_count == 2
    assert fake.rotations == 1
    assert "access-" not in str(raised.value)


async def test_a_read_that_times_out_is_unavailable(
    api: XeroApiClient, ref: TenantRef, router: respx.MockRouter
) -> None:
    router.get(f"{API}/Organisation").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(XeroUnavailable):
        await api.tenant(ref).get("Organisation")


@pytest.mark.parametrize(
    "lost", [httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("reset"), httpx.ReadError("x")]
)
async def test_a_write_whose_answer_is_lost_is_uncertain(
    api: XeroApiClient, ref: TenantRef, router: respx.MockRouter, lost: Exception
) -> None:
    router.put(f"{API}/Contacts").mock(side_effect=lost)
    with pytest.raises(XeroUncertain):
        await api.tenant(ref).write_batch(
            "Contacts", "Contacts", [{"Name": "A"}], method="PUT", idempotency_key="k"
        )


async def test_a_write_that_could_not_connect_is_unavailable_not_uncertain(
    api: XeroApiClient, ref: TenantRef, router: respx.MockRouter
) -> None:
    router.put(f"{API}/Contacts").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(XeroUnavailable):
        await api.tenant(ref).write_batch(
            "Contacts", "Contacts", [{"Name": "A"}], method="PUT", idempotency_key="k"
        )


async def test_a_5xx_is_unavailable_for_a_read_and_uncertain_for_a_write(
    api: XeroApiClient, ref: TenantRef, router: respx.MockRouter
) -> None:
    router.get(f"{API}/Contacts").respond(503)
    router.post(f"{API}/Contacts").respond(500)
    tenant = api.tenant(ref)
    with pytest.raises(XeroUnavailable):
        await tenant.get("Contacts")
    with pytest.raises(XeroUncertain):
        await tenant.write_batch(
            "Contacts", "Contacts", [{"Name": "A"}], method="POST", idempotency_key="k"
        )


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, text="<html>maintenance</html>"),
        httpx.Response(200, json={"Contacts": []}),
        httpx.Response(200, json={"Contacts": [{"StatusAttributeString": "OK"}]}),
        httpx.Response(200, json=["not", "an", "object"]),
    ],
)
async def test_a_malformed_answer_to_a_write_is_uncertain(
    api: XeroApiClient, ref: TenantRef, router: respx.MockRouter, answer: httpx.Response
) -> None:
    router.put(f"{API}/Contacts").mock(return_value=answer)
    with pytest.raises(XeroUncertain):
        await api.tenant(ref).write_batch(
            "Contacts", "Contacts", [{"Name": "A"}], method="PUT", idempotency_key="k"
        )


async def test_a_malformed_answer_to_a_read_is_unavailable(
    api: XeroApiClient, ref: TenantRef, router: respx.MockRouter
) -> None:
    router.get(f"{API}/Accounts").respond(200, text="not json")
    with pytest.raises(XeroUnavailable):
        await api.tenant(ref).get_all("Accounts", "Accounts")


async def test_a_batch_sends_summarize_errors_false_and_the_key(
    api: XeroApiClient, ref: TenantRef, router: respx.MockRouter
) -> None:
    bad = {"StatusAttributeString": "ERROR", "ValidationErrors": [{"Message": "Name missing"}]}
    warn = {**CONTACT_OK, "StatusAttributeString": "WARNING", "Warnings": [{"Message": "hm"}]}
    route = router.put(f"{API}/Contacts").respond(200, json={"Contacts": [CONTACT_OK, bad, warn]})
    outcomes = await api.tenant(ref).write_batch(
        "Contacts",
        "Contacts",
        [{"Name": "A"}, {}, {"Name": "C"}],
        method="PUT",
        idempotency_key="batch-7",
    )
    sent = route.calls.last.request
    assert sent.url.params["summarizeErrors"] == "false"
    assert sent.headers["idempotency-key"] == "batch-7"
    assert [(o.status, o.xero_id, o.messages) for o in outcomes] == [
        ("ok", CONTACT_OK["ContactID"], []),
        ("error", None, ["Name missing"]),
        ("warning", CONTACT_OK["ContactID"], ["hm"]),
    ]


async def test_a_body_over_the_limit_is_split_and_an_oversized_element_refused(
    api: XeroApiClient, ref: TenantRef, router: respx.MockRouter
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        count = len(httpx.Response(200, content=request.content).json()["Contacts"])
        return httpx.Response(200, json={"Contacts": [CONTACT_OK] * count})

    route = router.put(f"{API}/Contacts").mock(side_effect=answer)
    big = "x" * 1_500_000
    elements = [{"Name": big}, {"Name": big}, {"Name": "x" * 3_600_000}, {"Name": big}]
    outcomes = await api.tenant(ref).write_batch(
        "Contacts", "Contacts", elements, method="PUT", idempotency_key="split"
    )
    assert [o.status for o in outcomes] == ["ok", "ok", "error", "ok"]
    assert "bytes" in outcomes[2].messages[0]
    sizes = [len(call.request.content) for call in route.calls]
    assert len(sizes) == 2
    assert max(sizes) <= 3_500_000
    keys = [call.request.headers["idempotency-key"] for call in route.calls]
    assert keys == ["split:1/2", "split:2/2"]


async def test_a_whole_request_400_is_validation_with_xeros_messages(
    api: XeroApiClient, ref: TenantRef, router: respx.MockRouter
) -> None:
    router.put(f"{API}/Invoices").respond(
        400,
        json={
            "ErrorNumber": 10,
            "Type": "ValidationException",
            "Message": "A validation exception occurred",
            "Elements": [{"ValidationErrors": [{"Message": "Account code '999' is not valid"}]}],
        },
    )
    with pytest.raises(XeroValidation) as raised:
        await api.tenant(ref).write_batch(
            "Invoices", "Invoices", [{"Type": "ACCREC"}], method="PUT", idempotency_key="v"
        )
    assert raised.value.messages == ["Account code '999' is not valid"]


async def test_a_minute_429_pauses_the_tenant_and_the_call_is_retried(
    api: XeroApiClient, ref: TenantRef, router: respx.MockRouter
) -> None:
    limited = httpx.Response(
        429, headers={"Retry-After": "1", "X-Rate-Limit-Problem": "minute"}, json={}
    )
    route = router.get(f"{API}/Organisation").mock(
        side_effect=[limited, org(httpx.Request("GET", "/"))]
    )
    started = time.monotonic()
    read = await api.tenant(ref).get("Organisation")
    assert read.status == 200
    assert route.call_count == 2
    assert time.monotonic() - started >= 0.9


async def test_a_429_longer_than_max_wait_is_raised_at_once(
    api: XeroApiClient, ref: TenantRef, router: respx.MockRouter
) -> None:
    router.get(f"{API}/Organisation").respond(
        429, headers={"Retry-After": "30", "X-Rate-Limit-Problem": "minute"}
    )
    tenant = api.tenant(ref)
    with pytest.raises(XeroRateLimited) as raised:
        await tenant.get("Organisation", max_wait=5)
    assert raised.value.problem == "minute"
    assert raised.value.retry_after == 30
    assert await tenant.wait_estimate() > 25
    with pytest.raises(LimiterWouldWait):
        await tenant.get("Organisation", max_wait=5)


async def test_a_day_429_parks_the_tenant_and_shows_rate_limited_until(
    api: XeroApiClient,
    ref: TenantRef,
    router: respx.MockRouter,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    router.get(f"{API}/Organisation").respond(
        429, headers={"Retry-After": "3600", "X-Rate-Limit-Problem": "day"}
    )
    with pytest.raises(XeroRateLimited) as raised:
        await api.tenant(ref).get("Organisation")
    assert raised.value.problem == "day"
    async with sessions() as session:
        row = await session.get(Connection, ref.connection_id)
    assert row is not None
    assert row.rate_limited_until is not None
    expected = datetime.now(UTC) + timedelta(hours=1)
    assert abs(row.rate_limited_until - expected) < timedelta(seconds=30)
    assert ConnectionOut.of(row).rate_limited_until == row.rate_limited_until


async def test_rate_limited_until_is_hidden_once_it_has_passed(
    ref: TenantRef, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session:
        row = await session.get(Connection, ref.connection_id)
        assert row is not None
        row.rate_limited_until = datetime.now(UTC) - timedelta(seconds=1)
        assert ConnectionOut.of(row).rate_limited_until is None
