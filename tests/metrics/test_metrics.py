"""``/metrics``: counters incremented where events happen, served in Prometheus' text format.

The registry is process-wide, so every test compares a sample before and after its action.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.tokens.fake_token_endpoint import FakeTokenEndpoint
from tests.tokens.fixtures import SeedGrant
from xero_connector import metrics
from xero_connector.auth.authenticator import Authenticator
from xero_connector.context import AppContext
from xero_connector.errors import TransientError
from xero_connector.jobs.inprocess import InProcessRunner
from xero_connector.main import create_app
from xero_connector.settings import Settings
from xero_connector.tokens.backoff import Backoff
from xero_connector.tokens.errors import GrantNeedsReauth
from xero_connector.tokens.service import TokenService

Scrape = Callable[[], Any]


@pytest.fixture
async def client(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[httpx.AsyncClient]:
    context = AppContext(
        session_factory=sessions, http=httpx.AsyncClient(), authenticator=Authenticator()
    )
    transport = httpx.ASGITransport(create_app(Settings(), context=context))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client
    await context.aclose()


async def sample(client: httpx.AsyncClient, name: str, **labels: str) -> float:
    """One sample of ``/metrics`` (0 when the series does not exist yet)."""
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    for family in text_string_to_metric_families(response.text):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return float(found.value)
    return 0.0


REFRESHES = "xero_connector_token_refreshes_total"


async def test_a_refresh_is_counted_as_ok(
    client: httpx.AsyncClient, seed_grant: SeedGrant, make_service: Callable[..., TokenService]
) -> None:
    grant_id = await seed_grant()  # expired: access_token refreshes on demand
    before = await sample(client, REFRESHES, outcome="ok")
    await make_service().access_token(grant_id)
    assert await sample(client, REFRESHES, outcome="ok") == before + 1


async def test_a_resent_token_answered_inside_the_grace_counts_as_recovered(
    client: httpx.AsyncClient, seed_grant: SeedGrant, make_service: Callable[..., TokenService]
) -> None:
    started = datetime.now(UTC) - timedelta(minutes=1)  # an earlier attempt never finished
    grant_id = await seed_grant(refresh_started_at=started)
    before = await sample(client, REFRESHES, outcome="grace_recovered")
    ok_before = await sample(client, REFRESHES, outcome="ok")
    await make_service().access_token(grant_id)
    assert await sample(client, REFRESHES, outcome="grace_recovered") == before + 1
    assert await sample(client, REFRESHES, outcome="ok") == ok_before


async def test_transient_and_invalid_grant_failures_are_counted(
    client: httpx.AsyncClient,
    seed_grant: SeedGrant,
    make_service: Callable[..., TokenService],
    fake: FakeTokenEndpoint,
) -> None:
    transient_before = await sample(client, REFRESHES, outcome="transient")
    invalid_before = await sample(client, REFRESHES, outcome="invalid_grant")
    flaky, revoked = await seed_grant(), await seed_grant()
    fake.fail_next = [503]
    with pytest.raises(TransientError):
        await make_service().refresh(flaky)
    fake.revoke_grant(revoked)
    with pytest.raises(GrantNeedsReauth):
        await make_service().refresh(revoked)
    assert await sample(client, REFRESHES, outcome="transient") == transient_before + 1
    assert await sample(client, REFRESHES, outcome="invalid_grant") == invalid_before + 1


async def test_connections_are_counted_by_status_at_scrape_time(
    client: httpx.AsyncClient, seed_grant: SeedGrant
) -> None:
    assert await sample(client, "xero_connector_connections", status="active") == 0
    await seed_grant()
    await seed_grant()
    assert await sample(client, "xero_connector_connections", status="active") == 2
    assert await sample(client, "xero_connector_connections", status="needs_reauth") == 0


async def test_jobs_run_and_failed_are_counted_by_name(client: httpx.AsyncClient) -> None:
    async def flaky(ctx: dict[str, Any]) -> None:
        if ctx["job_try"] == 1:
            raise TransientError("try again")

    async def broken(ctx: dict[str, Any]) -> None:
        raise RuntimeError("a bug")

    runner = InProcessRunner(
        {"metrics_flaky": flaky, "metrics_broken": broken}, backoff=Backoff(0.01, 0.01)
    )
    await runner.run_now("metrics_flaky")
    await runner.run_now("metrics_broken")
    runs = "xero_connector_jobs_run_total"
    failed = "xero_connector_jobs_failed_total"
    assert await sample(client, runs, job="metrics_flaky") == 2
    assert await sample(client, failed, job="metrics_flaky", reason="transient") == 1
    assert await sample(client, runs, job="metrics_broken") == 1
    assert await sample(client, failed, job="metrics_broken", reason="error") == 1


async def test_requests_are_counted_by_route_template_never_by_raw_path(
    client: httpx.AsyncClient,
) -> None:
    requests = "xero_connector_http_requests_total"
    template = {"method": "GET", "route": "/v1/connections/{connection_id}", "status": "401"}
    before = await sample(client, requests, **template)
    await client.get("/v1/connections/some-id")
    await client.get("/no/such/path/123")
    response = await client.get("/metrics")
    assert await sample(client, requests, **template) == before + 1
    assert "some-id" not in response.text
    assert "/no/such/path" not in response.text
    assert await sample(client, requests, method="GET", route="<unmatched>", status="404") >= 1


def test_the_metrics_module_has_no_web_framework_dependency() -> None:
    import sys

    assert metrics.render().startswith(b"# HELP")
    for name in ("xero_connector.metrics", "xero_connector.metrics.registry"):
        source = sys.modules[name].__file__
        assert source is not None
        with open(source, encoding="utf-8") as module:
            text = module.read()
        assert "fastapi" not in text
        assert "starlette" not in text
