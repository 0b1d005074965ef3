"""On-demand refreshes honour the backoff a failed refresh set (``next_attempt_at``).

While Xero answers 429 or 5xx, one refresh attempt per backoff reaches the token endpoint,
however many replicas ask for a token meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tests.tokens.fake_token_endpoint import FakeTokenEndpoint
from tests.tokens.fixtures import SeedGrant, end_backoff
from xero_connector.db.engine import make_engine
from xero_connector.errors import TransientError
from xero_connector.tokens.service import TokenService

MakeService = Callable[..., TokenService]


@pytest.mark.parametrize("status", [429, 503])
async def test_replicas_asking_during_a_backoff_make_no_token_call(
    status: int,
    seed_grant: SeedGrant,
    make_service: MakeService,
    fake: FakeTokenEndpoint,
    db_url: str,
) -> None:
    grant_id = await seed_grant(expires_in=timedelta(minutes=5))  # due, still valid
    fake.fail_next = [status] * 10
    other_engine: AsyncEngine = make_engine(db_url)
    try:
        replicas = [make_service(), make_service(own_engine=other_engine)]
        for replica in replicas * 3:
            assert await replica.access_token(grant_id) == f"access-{grant_id}"
    finally:
        await other_engine.dispose()
    assert fake.calls == 1


async def test_an_expired_token_during_a_backoff_fails_fast_with_the_wait(
    seed_grant: SeedGrant, make_service: MakeService, fake: FakeTokenEndpoint
) -> None:
    grant_id = await seed_grant()  # expired a minute ago
    fake.fail_next = [503] * 10
    service = make_service()
    with pytest.raises(TransientError):
        await service.access_token(grant_id)
    with pytest.raises(TransientError) as waiting:
        await make_service().access_token(grant_id)
    assert waiting.value.retry_after is not None
    assert waiting.value.retry_after > 0
    with pytest.raises(TransientError):
        await service.refreshed_access_token(grant_id, refused=f"access-{grant_id}")
    assert fake.calls == 1


async def test_after_the_backoff_the_next_ask_refreshes(
    seed_grant: SeedGrant,
    make_service: MakeService,
    fake: FakeTokenEndpoint,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    grant_id = await seed_grant()
    fake.fail_next = [503]
    service = make_service()
    with pytest.raises(TransientError):
        await service.access_token(grant_id)
    await end_backoff(sessions, grant_id)
    assert await service.access_token(grant_id) != f"access-{grant_id}"
    assert fake.calls == 2
