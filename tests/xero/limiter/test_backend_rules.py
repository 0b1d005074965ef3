"""The limiter's rules, step by step, for both backends (see ``xero.limiter.backend``)."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from tests.xero.limiter.conftest import MakeBackend
from xero_connector.xero.limiter import Feedback
from xero_connector.xero.limiter.backend import LimiterBackend, Verdict

T = "tenant-a"
U = "tenant-b"


def lease() -> str:
    return uuid.uuid4().hex


async def admit(backend: LimiterBackend, tenant: str | None, count: int) -> list[str]:
    leases = []
    for _ in range(count):
        held = lease()
        verdict = await backend.try_acquire(tenant, held)
        assert verdict.admitted, verdict
        leases.append(held)
    return leases


async def test_a_tenant_holds_at_most_its_concurrency(make_backend: MakeBackend) -> None:
    backend = make_backend(tenant_concurrency=5)
    held = await admit(backend, T, 5)
    refused = await backend.try_acquire(T, lease())
    assert refused.reason == "concurrency"
    assert 0 < refused.wait <= 0.02 + 1e-6
    assert (await backend.try_acquire(U, lease())).admitted
    await backend.release(T, held[0], None)
    assert (await backend.try_acquire(T, lease())).admitted


async def test_the_minute_limit_counts_calls_until_a_window_after_they_ended(
    make_backend: MakeBackend,
) -> None:
    backend = make_backend(tenant_minute=3)
    for held in await admit(backend, T, 3):
        await backend.release(T, held, None)
    refused = await backend.try_acquire(T, lease())
    window = backend.config.minute_window
    assert refused.reason == "minute"
    assert window - 0.2 < refused.wait <= window
    await asyncio.sleep(refused.wait + 0.02)
    assert (await backend.try_acquire(T, lease())).admitted


async def test_a_call_in_flight_occupies_the_window_until_it_ends(
    make_backend: MakeBackend,
) -> None:
    backend = make_backend(tenant_minute=1)
    (held,) = await admit(backend, T, 1)
    await asyncio.sleep(0.5)
    await backend.release(T, held, None)
    refused = await backend.try_acquire(T, lease())
    # Counted from the end of the call, not its start: Xero may have received it late.
    assert refused.reason == "minute"
    assert refused.wait > backend.config.minute_window - 0.2


async def test_the_day_limit_refuses_once_reached(make_backend: MakeBackend) -> None:
    backend = make_backend(tenant_day=3)
    for held in await admit(backend, T, 3):
        await backend.release(T, held, None)
    await asyncio.sleep(backend.config.minute_window + 0.05)
    refused = await backend.try_acquire(T, lease())
    assert refused.reason == "day"
    assert refused.wait > backend.config.day_window - 2 * backend.config.day_bucket
    assert (await backend.try_acquire(U, lease())).admitted


async def test_the_app_limit_counts_every_tenant_and_tenantless_calls(
    make_backend: MakeBackend,
) -> None:
    backend = make_backend(app_minute=3)
    await admit(backend, T, 1)
    await admit(backend, U, 1)
    await admit(backend, None, 1)
    assert (await backend.try_acquire("tenant-c", lease())).reason == "app"
    assert (await backend.try_acquire(None, lease())).reason == "app"


async def test_a_lease_of_a_dead_holder_expires(make_backend: MakeBackend) -> None:
    backend = make_backend(tenant_concurrency=2, lease_seconds=0.3)
    await admit(backend, T, 2)
    assert (await backend.try_acquire(T, lease())).reason == "concurrency"
    await asyncio.sleep(0.35)
    assert (await backend.try_acquire(T, lease())).admitted


async def test_a_renewed_lease_does_not_expire(make_backend: MakeBackend) -> None:
    backend = make_backend(tenant_concurrency=1, lease_seconds=0.3)
    (held,) = await admit(backend, T, 1)
    for _ in range(3):
        await asyncio.sleep(0.15)
        assert await backend.renew(T, held)
    assert (await backend.try_acquire(T, lease())).reason == "concurrency"
    await asyncio.sleep(0.35)
    assert not await backend.renew(T, held)


async def test_xero_saying_fewer_calls_remain_wins(make_backend: MakeBackend) -> None:
    backend = make_backend(tenant_minute=10)
    (held,) = await admit(backend, T, 1)
    # We counted 1 of 10; Xero says only 2 remain (another deployment, or calls before a restart).
    await backend.release(T, held, Feedback(minute_remaining=2))
    await admit(backend, T, 2)
    assert (await backend.try_acquire(T, lease())).reason == "minute"


async def test_xero_saying_more_remain_changes_nothing(make_backend: MakeBackend) -> None:
    backend = make_backend(tenant_minute=3)
    (held,) = await admit(backend, T, 1)
    await backend.release(T, held, Feedback(minute_remaining=50, day_remaining=4999))
    await admit(backend, T, 2)
    assert (await backend.try_acquire(T, lease())).reason == "minute"


async def test_the_day_and_app_remaining_counts_are_learnt_too(
    make_backend: MakeBackend,
) -> None:
    backend = make_backend(tenant_day=100, app_minute=100)
    (held,) = await admit(backend, T, 1)
    await backend.release(T, held, Feedback(day_remaining=1, app_remaining=50))
    await admit(backend, T, 1)
    assert (await backend.try_acquire(T, lease())).reason == "day"
    for number in range(49):  # 50 used by Xero's count, 1 by T since: 100 with these
        await admit(backend, f"other-{number}", 1)
    assert (await backend.try_acquire(U, lease())).reason == "app"


async def test_a_minute_429_pauses_only_that_tenant(make_backend: MakeBackend) -> None:
    backend = make_backend()
    (held,) = await admit(backend, T, 1)
    await backend.release(T, held, Feedback(problem="minute", retry_after=0.5))
    paused = await backend.try_acquire(T, lease())
    assert paused.reason == "paused"
    assert 0.3 < paused.wait <= 0.5
    assert (await backend.try_acquire(U, lease())).admitted
    await asyncio.sleep(paused.wait + 0.02)
    assert (await backend.try_acquire(T, lease())).admitted


async def test_an_app_429_pauses_every_tenant(make_backend: MakeBackend) -> None:
    backend = make_backend()
    (held,) = await admit(backend, T, 1)
    await backend.release(T, held, Feedback(problem="app", retry_after=0.5))
    assert (await backend.try_acquire(U, lease())).reason == "app_paused"
    assert (await backend.try_acquire(None, lease())).reason == "app_paused"


async def test_a_day_429_parks_the_tenant_for_its_retry_after(make_backend: MakeBackend) -> None:
    backend = make_backend()
    (held,) = await admit(backend, T, 1)
    await backend.release(T, held, Feedback(problem="day", retry_after=30.0))
    parked = await backend.peek(T)
    assert parked.reason == "paused"
    assert parked.wait > 29


async def test_waiting_tenants_take_turns_for_the_app_share(make_backend: MakeBackend) -> None:
    backend = make_backend(app_minute=2)
    for held in await admit(backend, T, 2):
        await backend.release(T, held, None)
    # Both wait on the app limit; U was never served, so it is ahead of T.
    assert (await backend.try_acquire(T, lease())).reason == "app"
    assert (await backend.try_acquire(U, lease())).reason == "app"
    await asyncio.sleep(backend.config.minute_window + 0.05)
    await admit(backend, T, 0)
    # Two slots free: one each, U first; T's second call then waits its turn behind nobody.
    assert (await backend.try_acquire(U, lease())).admitted
    assert (await backend.try_acquire(T, lease())).admitted
    assert (await backend.try_acquire(T, lease())).reason == "app"


async def test_a_tenant_served_last_yields_a_single_free_slot(make_backend: MakeBackend) -> None:
    backend = make_backend(app_minute=3)
    for held in await admit(backend, T, 3):
        await backend.release(T, held, None)
    assert (await backend.try_acquire(U, lease())).reason == "app"  # U queues
    await asyncio.sleep(backend.config.minute_window + 0.05)
    (extra,) = await admit(backend, U, 1)  # U takes a slot; two remain
    await admit(backend, T, 2)
    assert extra


async def test_peek_takes_no_slot(make_backend: MakeBackend) -> None:
    backend = make_backend(tenant_concurrency=1, app_minute=1)
    for _ in range(3):
        assert (await backend.peek(T)).admitted
    (held,) = await admit(backend, T, 1)
    assert (await backend.peek(T)).reason == "concurrency"
    assert (await backend.peek(U)).reason == "app"
    await backend.release(T, held, None)
    assert (await backend.peek(T)).reason == "app"


# Slow enough that T's last admission is remembered (a window) past U's place lapsing (U is due
# back when the app's first slot frees, plus ``waiter_stale``); U's wait is then ~0.8 s.
SLOWER = 20.0


async def _u_peeks_into_a_full_app(backend: LimiterBackend) -> Verdict:
    """T calls twice, 0.8 s before the first call's slot frees; U, never served, then peeks."""
    for held in await admit(backend, T, 1):
        await backend.release(T, held, None)
    await asyncio.sleep(backend.config.minute_window - 0.8)
    for held in await admit(backend, T, 1):
        await backend.release(T, held, None)
    verdict = await backend.peek(U)
    assert verdict.reason == "app"
    assert 0 < verdict.wait <= 0.8
    return verdict


async def test_a_tenant_held_back_at_peek_keeps_its_turn_until_it_comes_back(
    make_backend: MakeBackend,
) -> None:
    backend = make_backend(app_minute=2, time_scale=SLOWER)
    held_back = await _u_peeks_into_a_full_app(backend)
    await asyncio.sleep(held_back.wait + 0.05)  # one slot free: U's, as U was served before T
    assert (await backend.peek(T)).reason == "fair"
    assert (await backend.try_acquire(T, lease())).reason == "fair"
    assert (await backend.try_acquire(U, lease())).admitted  # U back, deferred by its wait
    assert (await backend.try_acquire(T, lease())).reason == "app"


async def test_a_place_taken_at_peek_lasts_until_due_back_plus_the_grace(
    make_backend: MakeBackend,
) -> None:
    backend = make_backend(app_minute=2, time_scale=SLOWER)
    held_back = await _u_peeks_into_a_full_app(backend)
    stale = backend.config.waiter_stale
    # Past the grace counted from the peek, but not from when U is due back: still U's turn.
    await asyncio.sleep(stale + held_back.wait / 2)
    assert (await backend.peek(T)).reason == "fair"
    # U did not come back within the grace after it was due: its place has lapsed.
    await asyncio.sleep(held_back.wait / 2 + 0.25)
    assert (await backend.try_acquire(T, lease())).admitted


async def test_a_queued_tenant_is_never_ahead_of_itself(make_backend: MakeBackend) -> None:
    async def alone_in_the_queue(backend: LimiterBackend) -> bool:
        for held in await admit(backend, T, 1):
            await backend.release(T, held, None)
        await asyncio.sleep(backend.config.minute_window / 2)
        for held in await admit(backend, T, 1):
            await backend.release(T, held, None)
        assert (await backend.try_acquire(T, lease())).reason == "app"  # T queues
        await asyncio.sleep(backend.config.minute_window / 2 + 0.05)  # the first slot frees
        return (await backend.try_acquire(T, lease())).admitted

    # Several at once: a score compared at a rounded value would fail some of them, not all.
    backends = [make_backend(app_minute=2) for _ in range(8)]
    assert all(await asyncio.gather(*(alone_in_the_queue(b) for b in backends)))


@pytest.mark.parametrize("own_limit", ["concurrency", "paused"])
async def test_a_tenant_held_back_by_its_own_limits_takes_no_place(
    make_backend: MakeBackend, own_limit: str
) -> None:
    backend = make_backend(app_minute=3, tenant_concurrency=1)
    (mine,) = await admit(backend, U, 1)  # U served first: it would be ahead of T
    if own_limit == "paused":
        await backend.release(U, mine, Feedback(problem="minute", retry_after=30.0))
    for held in await admit(backend, T, 1):
        await backend.release(T, held, None)
    assert (await backend.peek(U)).reason == own_limit
    assert (await backend.try_acquire(T, lease())).admitted  # the last free slot


@pytest.mark.parametrize("tenant", [T, None])
async def test_release_of_an_unknown_lease_is_harmless(
    make_backend: MakeBackend, tenant: str | None
) -> None:
    backend = make_backend(tenant_concurrency=1)
    await backend.release(tenant, lease(), Feedback())
    assert (await backend.try_acquire(tenant, lease())).admitted


async def test_entries_that_aged_out_during_a_call_are_not_taken_for_unknown_calls(
    make_backend: MakeBackend,
) -> None:
    backend = make_backend(tenant_minute=10, tenant_concurrency=20)
    for held in await admit(backend, T, 5):
        await backend.release(T, held, None)
    await asyncio.sleep(backend.config.minute_window - 0.2)
    slow = lease()
    verdict = await backend.try_acquire(T, slow)
    assert verdict.admitted
    await asyncio.sleep(0.3)  # the five age out while the slow call is in flight
    # Xero counted 6 when the slow call arrived: exactly what we had; nothing unknown.
    await backend.release(T, slow, Feedback(minute_remaining=4), verdict.at)
    await admit(backend, T, 9)
    assert (await backend.try_acquire(T, lease())).reason == "minute"
