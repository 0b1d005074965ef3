"""The Redis limiter across OS processes, against the sandbox over HTTP (time scale 60).

Several processes drive one tenant as hard as they can for several (time-scaled) minutes: the
sandbox must count no breach, neither of the minute limit nor of the 5 calls in flight.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import REDIS_URL
from tests.xero.limiter_processes import (
    SCALE,
    fast_limits,
    most_in_any,
    namespace,
    results,
    sandbox,
    spec,
    start,
)
from tests.xero.sandbox_tenant import connect_all
from xero_connector.vault import LocalKeyring, Vault, generate_key_entry
from xero_connector.xero.limiter import Limiter
from xero_connector.xero.limiter.redis_backend import RedisBackend

pytestmark = pytest.mark.slow

KEYS = generate_key_entry()
VAULT = Vault(LocalKeyring.from_setting(KEYS))
PROCESSES = 4
MINUTE_SCALE = 20.0  # a Xero minute is three real seconds: what a loaded 2-core machine drives


@pytest.mark.parametrize(
    ("scenario", "scale", "seconds", "sandbox_limits", "client_limits", "flags"),
    [
        # The minute limit binds: 60 a (scaled) minute, five minutes long.
        ("minute", MINUTE_SCALE, 15.0, {}, {}, ("--latency-ms", "5", "--latency-jitter-ms", "5")),
        # Concurrency binds: slow answers, a minute limit out of reach.
        (
            "concurrency",
            SCALE,
            6.0,
            {"tenant_per_minute": 100000},
            {"tenant_minute": 100000},
            ("--latency-ms", "60", "--latency-jitter-ms", "40"),
        ),
    ],
)
async def test_processes_driving_one_tenant_never_breach_its_limits(
    db_url: str,
    sessions: async_sessionmaker[AsyncSession],
    scenario: str,
    scale: float,
    seconds: float,
    sandbox_limits: dict[str, int],
    client_limits: dict[str, int],
    flags: tuple[str, ...],
) -> None:
    with sandbox(*flags, scale=scale, **sandbox_limits) as server:
        async with httpx.AsyncClient() as http:
            tenant = await connect_all(server, http, sessions, VAULT)
        ref = tenant.refs[0]
        ns = namespace()
        limits = fast_limits(time_scale=scale, **client_limits)
        drivers = [
            start(
                spec(
                    "drive",
                    db=db_url,
                    keys=KEYS,
                    server=server,
                    ref=ref,
                    ns=ns,
                    limits=limits,
                    seconds=seconds,
                    coroutines=8,
                )
            )
            for _ in range(PROCESSES)
        ]
        seen = results(drivers, timeout=120)
        stats = server.stats()
    outcomes: Counter[str] = Counter()
    for result in seen:
        outcomes.update(result["outcomes"])
    assert stats["breaches_total"] == 0, stats["breaches"]
    assert outcomes == Counter({"ok": outcomes["ok"]})
    made = stats["calls_per_tenant"][ref.tenant_id]
    assert made == outcomes["ok"]
    if scenario == "minute":
        windows = seconds * scale / 60
        assert made <= 60 * (windows + 1)
        # The callers did push against the limit (how close they get: bench/limiter.py).
        answered = [t for result in seen for t in result["answered"]]
        assert most_in_any(answered, 60 / scale) >= 54


async def test_slots_of_a_killed_process_come_back_within_the_lease(
    db_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    with sandbox() as server:
        async with httpx.AsyncClient() as http:
            tenant = await connect_all(server, http, sessions, VAULT)
    ref = tenant.refs[0]
    ns = namespace()
    limits = fast_limits(lease_seconds=2.0)
    holder = start(
        spec("hold", db=db_url, keys=KEYS, server=server, ref=ref, ns=ns, limits=limits, count=5)
    )
    try:
        assert holder.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(holder.stdout.readline), 30)
        assert line.strip() == "held"
        redis = Redis.from_url(REDIS_URL)
        limiter = Limiter(RedisBackend(redis, limits, namespace=ns, owns_redis=True))
        assert (await limiter.backend.peek(ref.tenant_id)).reason == "concurrency"
        os.kill(holder.pid, signal.SIGKILL)
        killed = time.monotonic()
        lease = await asyncio.wait_for(limiter.acquire(ref.tenant_id), 10)
        back_after = time.monotonic() - killed
        await limiter.release(lease)
        await limiter.aclose()
    finally:
        holder.kill()
        holder.communicate(timeout=10)
    assert back_after <= limits.lease_seconds + 0.5
