"""``Limiter``: waiting, cancelling, holding and fairness, over both backends."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest

from tests.xero.limiter.conftest import MakeBackend
from xero_connector.errors import TransientError
from xero_connector.xero.limiter import Feedback, Limiter, LimiterWouldWait
from xero_connector.xero.limiter.backend import LimiterBackend, Verdict

T = "tenant-a"


class HeldStep:
    """Wraps a backend so that its next ``try_acquire`` runs only when ``go`` is set."""

    def __init__(self, inner: LimiterBackend) -> None:
        self.inner = inner
        self.config = inner.config
        self.entered = asyncio.Event()
        self.go = asyncio.Event()

    async def try_acquire(self, tenant: str | None, lease_id: str) -> Verdict:
        self.entered.set()
        await self.go.wait()
        return await self.inner.try_acquire(tenant, lease_id)

    async def release(
        self,
        tenant: str | None,
        lease_id: str,
        feedback: Feedback | None,
        admitted_at: float | None = None,
    ) -> None:
        await self.inner.release(tenant, lease_id, feedback, admitted_at)

    async def renew(self, tenant: str | None, lease_id: str) -> bool:
        return await self.inner.renew(tenant, lease_id)

    async def peek(self, tenant: str | None) -> Verdict:
        return await self.inner.peek(tenant)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_waiter_is_admitted_when_a_slot_is_released(make_backend: MakeBackend) -> None:
    limiter = Limiter(make_backend(tenant_concurrency=1))
    first = await limiter.acquire(T)
    waiter = asyncio.create_task(limiter.acquire(T))
    await asyncio.sleep(0.05)
    assert not waiter.done()
    await limiter.release(first)
    second = await asyncio.wait_for(waiter, 1)
    assert second.waited >= 0.04


async def test_a_cancelled_waiter_leaks_no_slot(make_backend: MakeBackend) -> None:
    limiter = Limiter(make_backend(tenant_concurrency=1))
    first = await limiter.acquire(T)
    waiter = asyncio.create_task(limiter.acquire(T))
    await asyncio.sleep(0.05)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    await limiter.release(first)
    assert await limiter.wait_estimate(T) == 0
    await asyncio.wait_for(limiter.acquire(T), 1)


async def test_a_waiter_cancelled_while_its_step_admits_it_gives_the_slot_back(
    make_backend: MakeBackend,
) -> None:
    held = HeldStep(make_backend(tenant_concurrency=1))
    limiter = Limiter(held)
    waiter = asyncio.create_task(limiter.acquire(T))
    await held.entered.wait()
    waiter.cancel()
    held.go.set()  # the step now runs and admits the cancelled caller
    with pytest.raises(asyncio.CancelledError):
        await waiter
    await asyncio.sleep(0.05)
    assert (await held.inner.peek(T)).admitted


async def test_max_wait_raises_instead_of_sleeping(make_backend: MakeBackend) -> None:
    limiter = Limiter(make_backend(tenant_minute=1))
    async with limiter.hold(T):
        pass
    started = time.monotonic()
    with pytest.raises(LimiterWouldWait) as raised:
        await limiter.acquire(T, max_wait=0.1)
    assert time.monotonic() - started < 0.1
    assert raised.value.seconds > 0.5
    # Transient with the wait as retry_after: a job letting it through is deferred, not failed.
    assert isinstance(raised.value, TransientError)
    assert raised.value.retry_after == raised.value.seconds
    assert await limiter.wait_estimate(T) > 0.5


async def test_hold_releases_when_the_call_fails(make_backend: MakeBackend) -> None:
    limiter = Limiter(make_backend(tenant_concurrency=1))
    with pytest.raises(RuntimeError):
        async with limiter.hold(T):
            raise RuntimeError("the call failed")
    assert await limiter.wait_estimate(T) == 0


async def test_a_held_call_cancelled_mid_flight_releases_its_slot(
    make_backend: MakeBackend,
) -> None:
    limiter = Limiter(make_backend(tenant_concurrency=1))

    async def call() -> None:
        async with limiter.hold(T):
            await asyncio.sleep(10)

    task = asyncio.create_task(call())
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await limiter.wait_estimate(T) == 0


async def test_a_long_call_keeps_its_lease(make_backend: MakeBackend) -> None:
    limiter = Limiter(make_backend(tenant_concurrency=1, lease_seconds=0.3))
    async with limiter.hold(T):
        await asyncio.sleep(0.7)
        assert (await limiter.backend.peek(T)).reason == "concurrency"


async def test_a_tenant_with_a_backlog_does_not_starve_another(make_backend: MakeBackend) -> None:
    # The app allows 20 calls a window; "busy" has ten callers in a loop, "quiet" one.
    limiter = Limiter(make_backend(app_minute=20, tenant_minute=1000, tenant_concurrency=10))
    admitted: Counter[str] = Counter()
    stop = time.monotonic() + 3.0

    async def caller(tenant: str) -> None:
        while time.monotonic() < stop:
            async with limiter.hold(tenant):
                admitted[tenant] += 1

    await asyncio.gather(*[caller("busy") for _ in range(10)], caller("quiet"))
    total = admitted["busy"] + admitted["quiet"]
    assert total <= 20 * 4  # at most 20 per window started in the 3 s
    # Sequential and ten times less concurrent, "quiet" still gets a large share: whenever the
    # app limit binds, waiting tenants take turns.
    assert admitted["quiet"] >= 0.25 * total, admitted
