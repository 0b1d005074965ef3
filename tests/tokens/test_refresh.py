"""The refresh algorithm against the fake token endpoint (respx) and a real Postgres."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tests.tokens.fake_token_endpoint import FakeTokenEndpoint
from tests.tokens.fixtures import SeedGrant, end_backoff
from xero_connector.db.engine import make_engine
from xero_connector.db.models import AuditEvent, Connection, XeroGrant
from xero_connector.db.repos import grants
from xero_connector.errors import TransientError
from xero_connector.tokens.errors import GrantNeedsReauth
from xero_connector.tokens.service import TokenService

MakeService = Callable[..., TokenService]


async def _grant(sessions: async_sessionmaker[AsyncSession], grant_id: str) -> XeroGrant:
    async with sessions() as session:
        grant = await session.get(XeroGrant, grant_id)
        assert grant is not None
        return grant


async def test_a_fresh_token_is_returned_without_a_token_call(
    seed_grant: SeedGrant, make_service: MakeService, fake: FakeTokenEndpoint
) -> None:
    grant_id = await seed_grant(expires_in=timedelta(minutes=25))
    assert await make_service().access_token(grant_id) == f"access-{grant_id}"
    assert fake.calls == 0


async def test_a_token_expiring_within_the_margin_is_refreshed_on_demand_and_stored_first(
    seed_grant: SeedGrant,
    make_service: MakeService,
    fake: FakeTokenEndpoint,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    grant_id = await seed_grant(expires_in=timedelta(minutes=5))
    token = await make_service().access_token(grant_id)
    assert token.startswith("access-")
    assert token != f"access-{grant_id}"
    grant = await _grant(sessions, grant_id)
    assert grant.refresh_generation == 1
    assert grant.refresh_started_at is None
    assert grant.access_expires_at is not None
    assert grant.access_expires_at > datetime.now(UTC) + timedelta(minutes=25)
    assert fake.calls == 1


async def test_concurrent_callers_in_one_process_share_one_refresh(
    seed_grant: SeedGrant, make_service: MakeService, fake: FakeTokenEndpoint
) -> None:
    grant_id = await seed_grant()
    fake.latency = 0.05
    service = make_service()
    tokens = await asyncio.gather(*(service.access_token(grant_id) for _ in range(20)))
    assert len(set(tokens)) == 1
    assert fake.calls == 1


async def test_two_services_with_their_own_pools_make_one_call(
    seed_grant: SeedGrant, make_service: MakeService, fake: FakeTokenEndpoint, db_url: str
) -> None:
    """Two "processes" (separate engines, separate single-flight maps): the advisory lock."""
    grant_id = await seed_grant()
    fake.latency = 0.05
    other_engine: AsyncEngine = make_engine(db_url)
    try:
        first, second = make_service(), make_service(own_engine=other_engine)
        tokens = await asyncio.gather(*(s.access_token(grant_id) for s in [first, second] * 5))
    finally:
        await other_engine.dispose()
    assert len(set(tokens)) == 1
    assert fake.calls == 1
    assert fake.invalid_grant == 0


async def test_a_lost_answer_is_recovered_with_the_same_refresh_token_inside_the_grace(
    seed_grant: SeedGrant,
    make_service: MakeService,
    fake: FakeTokenEndpoint,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    grant_id = await seed_grant()
    before = await _grant(sessions, grant_id)
    fake.drop_next = 1
    service = make_service()
    with pytest.raises(TransientError):
        await service.refresh(grant_id)
    lost = await _grant(sessions, grant_id)
    assert lost.refresh_started_at is not None
    assert lost.token_ciphertext == before.token_ciphertext  # the sent token is still stored
    assert lost.status == "active"
    assert lost.failure_count == 1
    assert lost.next_attempt_at is not None

    fake.grace_seconds = 1800
    await end_backoff(sessions, grant_id)
    await service.access_token(grant_id)
    recovered = await _grant(sessions, grant_id)
    assert recovered.refresh_generation == 1
    assert recovered.refresh_started_at is None
    assert recovered.failure_count == 0
    assert fake.rotations == 2
    assert fake.invalid_grant == 0


async def test_a_lost_answer_after_the_grace_ends_needs_reauth(
    seed_grant: SeedGrant,
    make_service: MakeService,
    fake: FakeTokenEndpoint,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    grant_id = await seed_grant()
    fake.drop_next = 1
    fake.grace_seconds = 0
    service = make_service()
    with pytest.raises(TransientError):
        await service.refresh(grant_id)
    await end_backoff(sessions, grant_id)
    with pytest.raises(GrantNeedsReauth):
        await service.refresh(grant_id)
    assert (await _grant(sessions, grant_id)).status == "needs_reauth"


async def test_a_revoked_grant_needs_reauth_after_one_grace_retry_with_an_audit_event(
    seed_grant: SeedGrant,
    make_service: MakeService,
    fake: FakeTokenEndpoint,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    grant_id = await seed_grant()
    fake.revoke_grant(grant_id)
    service = make_service()
    with pytest.raises(GrantNeedsReauth):
        await service.access_token(grant_id)
    assert fake.calls == 2  # the first try and the grace retry
    grant = await _grant(sessions, grant_id)
    assert grant.status == "needs_reauth"
    assert grant.refresh_started_at is None
    async with sessions() as session:
        connections = (await session.scalars(select(Connection))).all()
        audit = (await session.scalars(select(AuditEvent))).all()
    assert {c.status for c in connections if c.grant_id == grant_id} == {"needs_reauth"}
    assert [(a.action, a.target) for a in audit] == [("grant.needs_reauth", f"grant:{grant_id}")]
    with pytest.raises(GrantNeedsReauth):  # no further token calls
        await service.access_token(grant_id)
    assert fake.calls == 2


@pytest.mark.parametrize("status", [500, 503, 429])
async def test_transient_failures_back_off_and_never_count_as_auth_failures(
    status: int,
    seed_grant: SeedGrant,
    make_service: MakeService,
    fake: FakeTokenEndpoint,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    grant_id = await seed_grant()
    fake.fail_next = [status, status]
    service = make_service()
    for _ in range(2):
        with pytest.raises(TransientError):
            await service.access_token(grant_id)
        grant = await _grant(sessions, grant_id)
        assert grant.next_attempt_at is not None
        assert grant.next_attempt_at > datetime.now(UTC)
        await end_backoff(sessions, grant_id)
    grant = await _grant(sessions, grant_id)
    assert grant.status == "active"
    assert grant.failure_count == 2
    await service.access_token(grant_id)
    assert (await _grant(sessions, grant_id)).failure_count == 0


async def test_a_valid_stored_token_is_used_when_the_refresh_fails_transiently(
    seed_grant: SeedGrant, make_service: MakeService, fake: FakeTokenEndpoint
) -> None:
    grant_id = await seed_grant(expires_in=timedelta(minutes=5))
    fake.fail_next = [503]
    assert await make_service().access_token(grant_id) == f"access-{grant_id}"


async def test_a_job_for_an_old_generation_sends_nothing(
    seed_grant: SeedGrant, make_service: MakeService, fake: FakeTokenEndpoint
) -> None:
    grant_id = await seed_grant()
    service = make_service()
    await service.refresh(grant_id, expected_generation=0)
    await service.refresh(grant_id, expected_generation=0)
    assert fake.calls == 1


async def test_keepalive_refreshes_an_idle_grant_with_a_fresh_token(
    seed_grant: SeedGrant, make_service: MakeService, fake: FakeTokenEndpoint
) -> None:
    grant_id = await seed_grant(
        expires_in=timedelta(minutes=29), refreshed_ago=timedelta(days=2), used_ago=None
    )
    service = make_service()
    await service.refresh(grant_id, expected_generation=0)
    assert fake.calls == 0
    await service.refresh(grant_id, expected_generation=0, keepalive=True)
    assert fake.calls == 1


async def test_forget_grant_revokes_then_shreds(
    seed_grant: SeedGrant,
    make_service: MakeService,
    fake: FakeTokenEndpoint,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    grant_id = await seed_grant(revocation_due_at=datetime.now(UTC))
    service = make_service()
    await service.forget_grant(grant_id, revoke=True)
    await service.forget_grant(grant_id, revoke=True)  # idempotent
    grant = await _grant(sessions, grant_id)
    assert fake.revocations == 1
    assert grant.token_ciphertext is None
    assert grant.data_key_wrapped is None
    assert grant.status == "revoked"
    assert grant.revocation_due_at is None


async def test_a_refresh_in_flight_cannot_write_tokens_back_into_a_shredded_grant(
    seed_grant: SeedGrant,
    make_service: MakeService,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    grant_id = await seed_grant()
    generation_before = (await _grant(sessions, grant_id)).refresh_generation
    await make_service().forget_grant(grant_id, revoke=False)
    async with sessions() as session:
        written = await grants.store_refreshed(
            session,
            grant_id,
            generation_before,
            {"token_ciphertext": b"late", "data_key_wrapped": b"late", "kek_id": "k"},
            datetime.now(UTC),
        )
        await session.commit()
    grant = await _grant(sessions, grant_id)
    assert written is False
    assert grant.token_ciphertext is None


@pytest.mark.parametrize(("started_ago", "calls"), [(29, 2), (31, 1)])
async def test_the_grace_retry_is_measured_from_the_recorded_start(
    started_ago: int,
    calls: int,
    seed_grant: SeedGrant,
    make_service: MakeService,
    fake: FakeTokenEndpoint,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """A refresh first sent ``started_ago`` minutes ago (its answer lost) and refused now: resent
    once while Xero's 30-minute grace, counted from that first send, can still cover it."""
    started = datetime.now(UTC) - timedelta(minutes=started_ago)
    grant_id = await seed_grant(refresh_started_at=started)
    fake.revoke_grant(grant_id)
    with pytest.raises(GrantNeedsReauth):
        await make_service().refresh(grant_id)
    assert fake.calls == calls  # 2: the send and the grace retry; 1: no retry past the grace
    assert (await _grant(sessions, grant_id)).status == "needs_reauth"


async def test_the_backoff_never_schedules_a_resend_past_the_grace_of_a_token_already_sent(
    seed_grant: SeedGrant,
    make_service: MakeService,
    fake: FakeTokenEndpoint,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """A refresh sent 25 minutes ago (answer lost) has failed eight times since: the ninth
    failure's backoff (7.5 to 15 minutes) would land after Xero's grace ends at 30 minutes, when
    resending that refresh token can only be refused. The next try comes before that."""
    started = datetime.now(UTC) - timedelta(minutes=25)
    grant_id = await seed_grant(refresh_started_at=started, failure_count=8)
    fake.fail_next = [503]
    with pytest.raises(TransientError):
        await make_service().refresh(grant_id)
    grant = await _grant(sessions, grant_id)
    assert grant.failure_count == 9
    assert grant.next_attempt_at is not None
    assert datetime.now(UTC) < grant.next_attempt_at < started + timedelta(minutes=29)


async def test_a_retry_after_beyond_the_grace_is_still_honoured(
    seed_grant: SeedGrant,
    make_service: MakeService,
    fake: FakeTokenEndpoint,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Xero's own Retry-After is a floor: asking earlier would only be answered 429 again."""
    started = datetime.now(UTC) - timedelta(minutes=25)
    grant_id = await seed_grant(refresh_started_at=started)
    fake.fail_next = [429]
    fake.retry_after = 600
    with pytest.raises(TransientError):
        await make_service().refresh(grant_id)
    grant = await _grant(sessions, grant_id)
    assert grant.next_attempt_at is not None
    assert grant.next_attempt_at >= datetime.now(UTC) + timedelta(seconds=590)
