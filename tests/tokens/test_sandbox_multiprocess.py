"""End to end against the sandbox over HTTP, with real subprocesses, Postgres and Redis.

Lost and failed token answers come from the sandbox itself (``/_sandbox/faults``): a dropped
refresh is applied at the sandbox (the token rotates, the grace starts) and never answered.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from arq.connections import ArqRedis, RedisSettings, create_pool
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import REDIS_URL
from tests.tokens.fixtures import end_backoff
from tests.tokens.sandbox_support import (
    SandboxServer,
    consent,
    run_sandbox,
    store_grant,
    subprocess_env,
)
from xero_connector.db.models import Connection, XeroGrant
from xero_connector.db.repos import grants
from xero_connector.jobs import ids
from xero_connector.jobs.arq_worker import ArqDispatcher
from xero_connector.tokens.errors import GrantNeedsReauth
from xero_connector.tokens.locks import PgAdvisoryGrantLocks
from xero_connector.tokens.refresh import RefreshClient, RefreshPolicy
from xero_connector.tokens.service import TokenService
from xero_connector.vault import LocalKeyring, Vault, generate_key_entry
from xero_connector.xero.errors import XeroUnavailable
from xero_connector.xero.identity import XeroIdentity
from xero_connector.xero.tokenset import TokenSet

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning"),
]


@pytest.fixture(scope="module")
def keys() -> str:
    return generate_key_entry()


@pytest.fixture(scope="module")
def keyed_vault(keys: str) -> Vault:
    return Vault(LocalKeyring.from_setting(keys))


@pytest.fixture
def strict_sandbox() -> Iterator[SandboxServer]:
    with run_sandbox(grace_seconds=0) as server:
        yield server


@pytest.fixture
def graceful_sandbox() -> Iterator[SandboxServer]:
    with run_sandbox(grace_seconds=1800) as server:
        yield server


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as http:
        yield http


@pytest.fixture
async def identities() -> AsyncIterator[list[XeroIdentity]]:
    """Identities made by a test, closed after it."""
    made: list[XeroIdentity] = []
    yield made
    for identity in made:
        await identity.aclose()


def _identity(
    server: SandboxServer, client: httpx.AsyncClient, made: list[XeroIdentity]
) -> XeroIdentity:
    identity = server.identity(client)
    made.append(identity)
    return identity


def _service(
    sessions: async_sessionmaker[AsyncSession], engine: Any, vault: Vault, identity: RefreshClient
) -> TokenService:
    return TokenService(
        session_factory=sessions,
        vault=vault,
        identity=identity,
        locks=PgAdvisoryGrantLocks(engine, wait_seconds=30),
        policy=RefreshPolicy(grace_retry_pause_seconds=0.05),
    )


def _refresh_stats(server: SandboxServer) -> tuple[int, int, int]:
    stats = server.stats()
    return (
        int(stats["token_calls"].get("refresh_token", 0)),
        sum(stats["rotations"].values()),
        sum(stats["invalid_grant"].values()),
    )


async def _grant(sessions: async_sessionmaker[AsyncSession], grant_id: str) -> XeroGrant:
    async with sessions() as session:
        found = await session.get(XeroGrant, grant_id)
        assert found is not None
        return found


async def _expire(sessions: async_sessionmaker[AsyncSession], *grant_ids: str) -> None:
    async with sessions() as session:
        await session.execute(
            update(XeroGrant)
            .where(XeroGrant.id.in_(grant_ids))
            .values(access_expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        await session.commit()


def _race_process(
    *, db_url: str, keys: str, server: SandboxServer, grant_id: str, **settings: str
) -> subprocess.Popen[str]:
    env = subprocess_env(
        XC_DB_URL=db_url, XC_KEYS=keys, XC_SANDBOX=server.origin, XC_GRANT=grant_id, **settings
    )
    return subprocess.Popen(
        [sys.executable, "-m", "tests.tokens.race_worker"],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


async def test_processes_and_the_on_demand_path_racing_make_one_call_per_rotation(
    strict_sandbox: SandboxServer,
    client: httpx.AsyncClient,
    identities: list[XeroIdentity],
    sessions: async_sessionmaker[AsyncSession],
    engine: Any,
    db_url: str,
    keys: str,
    keyed_vault: Vault,
) -> None:
    """Grace 0: any second use of a refresh token would answer invalid_grant."""
    identity = _identity(strict_sandbox, client, identities)
    grant_id = await store_grant(sessions, keyed_vault, await consent(identity, client))
    rounds, period = 4, 1.5
    start = time.time() + 6
    processes = [
        _race_process(
            db_url=db_url,
            keys=keys,
            server=strict_sandbox,
            grant_id=grant_id,
            XC_START=str(start),
            XC_ROUNDS=str(rounds),
            XC_PERIOD=str(period),
            XC_CALLERS="3",
        )
        for _ in range(3)
    ]
    service = _service(sessions, engine, keyed_vault, identity)
    on_demand: list[str] = []
    for index in range(rounds):
        await asyncio.sleep(max(0.0, start + index * period - 0.5 - time.time()))
        await _expire(sessions, grant_id)
        await asyncio.sleep(max(0.0, start + index * period - time.time()))
        on_demand.append(await service.access_token(grant_id))
    outputs = [json.loads(p.communicate(timeout=60)[0].strip().splitlines()[-1]) for p in processes]

    calls, rotations, invalid = _refresh_stats(strict_sandbox)
    assert (calls, rotations, invalid) == (rounds, rounds, 0)
    assert all(output["errors"] == [] for output in outputs)
    assert all(len(round_tokens) == 1 for o in outputs for round_tokens in o["tokens"])
    assert len(set(on_demand)) == rounds
    assert (await _grant(sessions, grant_id)).refresh_generation == rounds


async def _recover_inside_the_grace(
    server: SandboxServer,
    service: TokenService,
    identity: XeroIdentity,
    sessions: async_sessionmaker[AsyncSession],
    grant_id: str,
) -> None:
    """The next attempt resends the SAME refresh token; the sandbox's grace turns it into a set."""
    await end_backoff(sessions, grant_id)  # the next attempt comes once the backoff ran out
    access = await service.access_token(grant_id)
    grant = await _grant(sessions, grant_id)
    assert (grant.status, grant.refresh_generation, grant.refresh_started_at) == ("active", 1, None)
    assert len(await identity.list_connections(access)) == 1  # the recovered token works
    stats = server.stats()
    assert sum(stats["grace_reuses"].values()) == 1
    assert sum(stats["invalid_grant"].values()) == 0
    assert sum(stats["rotations"].values()) == 2  # the lost one and the recovery


async def test_a_refresh_whose_answer_the_sandbox_drops_is_recovered_inside_the_grace(
    graceful_sandbox: SandboxServer,
    client: httpx.AsyncClient,
    identities: list[XeroIdentity],
    sessions: async_sessionmaker[AsyncSession],
    engine: Any,
    keyed_vault: Vault,
) -> None:
    identity = _identity(graceful_sandbox, client, identities)
    grant_id = await store_grant(sessions, keyed_vault, await consent(identity, client))
    impatient = graceful_sandbox.identity(client, timeout=1.0)
    identities.append(impatient)
    service = _service(sessions, engine, keyed_vault, impatient)
    graceful_sandbox.fail_next_refreshes("drop")
    with pytest.raises(XeroUnavailable, match="did not answer in time"):
        await service.refresh(grant_id)
    lost = await _grant(sessions, grant_id)
    assert lost.refresh_started_at is not None
    assert (lost.status, lost.refresh_generation, lost.failure_count) == ("active", 0, 1)
    stats = graceful_sandbox.stats()
    assert stats["faults"] == {"token_drop": 1}
    assert sum(stats["rotations"].values()) == 1  # Xero rotated; we never heard
    await _recover_inside_the_grace(graceful_sandbox, service, impatient, sessions, grant_id)
    assert graceful_sandbox.stats()["token_calls"]["refresh_token"] == 2


async def test_a_worker_killed_while_its_refresh_answer_is_withheld_is_recovered(
    graceful_sandbox: SandboxServer,
    client: httpx.AsyncClient,
    identities: list[XeroIdentity],
    sessions: async_sessionmaker[AsyncSession],
    engine: Any,
    db_url: str,
    keys: str,
    keyed_vault: Vault,
) -> None:
    """The sandbox applied the rotation and holds the answer; the waiting worker dies."""
    identity = _identity(graceful_sandbox, client, identities)
    grant_id = await store_grant(sessions, keyed_vault, await consent(identity, client))
    graceful_sandbox.fail_next_refreshes("drop")
    doomed = _race_process(
        db_url=db_url,
        keys=keys,
        server=graceful_sandbox,
        grant_id=grant_id,
        XC_START=str(time.time()),
    )
    deadline = time.monotonic() + 20
    while sum(graceful_sandbox.stats()["rotations"].values()) == 0:
        assert doomed.poll() is None, "the worker ended before its refresh reached the sandbox"
        assert time.monotonic() < deadline, "the worker's refresh never reached the sandbox"
        await asyncio.sleep(0.05)
    doomed.send_signal(signal.SIGKILL)
    doomed.communicate(timeout=10)
    died = await _grant(sessions, grant_id)
    assert died.refresh_started_at is not None
    assert died.refresh_generation == 0
    assert graceful_sandbox.stats()["faults"] == {"token_drop": 1}

    service = _service(sessions, engine, keyed_vault, identity)
    await _recover_inside_the_grace(graceful_sandbox, service, identity, sessions, grant_id)


async def test_a_5xx_from_the_token_endpoint_is_transient(
    strict_sandbox: SandboxServer,
    client: httpx.AsyncClient,
    identities: list[XeroIdentity],
    sessions: async_sessionmaker[AsyncSession],
    engine: Any,
    keyed_vault: Vault,
) -> None:
    """Grace 0: the retry works only because a 5xx leaves the refresh token unused."""
    identity = _identity(strict_sandbox, client, identities)
    grant_id = await store_grant(sessions, keyed_vault, await consent(identity, client))
    service = _service(sessions, engine, keyed_vault, identity)
    strict_sandbox.fail_next_refreshes("503")
    with pytest.raises(XeroUnavailable, match="HTTP 503"):
        await service.refresh(grant_id, expected_generation=0)
    failed = await _grant(sessions, grant_id)
    assert (failed.status, failed.refresh_generation, failed.failure_count) == ("active", 0, 1)
    assert failed.next_attempt_at is not None
    assert failed.next_attempt_at > datetime.now(UTC)
    assert await _connection_statuses(sessions, grant_id) == {"active"}
    # the sweeper leaves it alone while it backs off, and picks it up afterwards
    assert grant_id not in await _due(sessions, datetime.now(UTC))
    assert grant_id in await _due(sessions, failed.next_attempt_at + timedelta(seconds=1))

    await end_backoff(sessions, grant_id)
    await service.refresh(grant_id, expected_generation=0)
    retried = await _grant(sessions, grant_id)
    assert (retried.status, retried.refresh_generation, retried.failure_count) == ("active", 1, 0)
    stats = strict_sandbox.stats()
    assert stats["faults"] == {"token_503": 1}
    assert stats["token_calls"]["refresh_token"] == 2
    assert sum(stats["rotations"].values()) == 1
    assert sum(stats["invalid_grant"].values()) == 0
    assert sum(stats["grace_reuses"].values()) == 0


async def _connection_statuses(
    sessions: async_sessionmaker[AsyncSession], grant_id: str
) -> set[str]:
    async with sessions() as session:
        found = await session.scalars(
            select(Connection.status).where(Connection.grant_id == grant_id)
        )
        return set(found.all())


async def _due(sessions: async_sessionmaker[AsyncSession], now: datetime) -> set[str]:
    """The grants the refresh sweeper would pick at ``now`` (its query, default windows)."""
    policy = RefreshPolicy()
    async with sessions() as session:
        due = await grants.due_refreshes(
            session,
            now=now,
            margin=policy.margin,
            in_use_window=timedelta(minutes=30),
            keepalive_after=policy.keepalive_after,
            limit=1000,
        )
    return {grant_id for grant_id, _ in due}


async def test_a_worker_killed_mid_refresh_is_recovered(
    graceful_sandbox: SandboxServer,
    client: httpx.AsyncClient,
    identities: list[XeroIdentity],
    sessions: async_sessionmaker[AsyncSession],
    engine: Any,
    db_url: str,
    keys: str,
    keyed_vault: Vault,
) -> None:
    """Killed after the answer arrived, before the new set was stored."""
    identity = _identity(graceful_sandbox, client, identities)
    grant_id = await store_grant(sessions, keyed_vault, await consent(identity, client))
    doomed = _race_process(
        db_url=db_url,
        keys=keys,
        server=graceful_sandbox,
        grant_id=grant_id,
        XC_START=str(time.time()),
        XC_HOLD_AFTER_CALL="60",
    )
    assert doomed.stdout is not None
    assert "token_call_done" in await asyncio.to_thread(doomed.stdout.readline)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(10)
    doomed.stdout.close()
    died = await _grant(sessions, grant_id)
    assert died.refresh_started_at is not None
    assert died.refresh_generation == 0

    await _service(sessions, engine, keyed_vault, identity).access_token(grant_id)
    assert (await _grant(sessions, grant_id)).refresh_generation == 1
    stats = graceful_sandbox.stats()
    assert sum(stats["grace_reuses"].values()) == 1
    assert sum(stats["invalid_grant"].values()) == 0


async def test_a_revoked_grant_ends_needs_reauth_after_the_grace_retry(
    graceful_sandbox: SandboxServer,
    client: httpx.AsyncClient,
    identities: list[XeroIdentity],
    sessions: async_sessionmaker[AsyncSession],
    engine: Any,
    keyed_vault: Vault,
) -> None:
    identity = _identity(graceful_sandbox, client, identities)
    tokens = await consent(identity, client)
    grant_id = await store_grant(sessions, keyed_vault, tokens)
    await identity.revoke(tokens.refresh_token)
    with pytest.raises(GrantNeedsReauth):
        await _service(sessions, engine, keyed_vault, identity).access_token(grant_id)
    assert sum(graceful_sandbox.stats()["invalid_grant"].values()) == 2
    assert await _connection_statuses(sessions, grant_id) == {"needs_reauth"}


def _start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "xero_connector", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _flush_queue(redis: ArqRedis, queue: str) -> int:
    """ "Redis flushed": delete every key of this test's queue (never anyone else's)."""
    doomed = [key async for key in redis.scan_iter(match=f"*{queue}*")]
    if doomed:
        await redis.delete(*doomed)
    return len(doomed)


async def _wait_generation(
    sessions: async_sessionmaker[AsyncSession], grant_ids: list[str], at_least: int, seconds: float
) -> None:
    deadline = time.monotonic() + seconds
    while True:
        async with sessions() as session:
            generations = (
                await session.scalars(
                    select(XeroGrant.refresh_generation).where(XeroGrant.id.in_(grant_ids))
                )
            ).all()
        if min(generations) >= at_least:
            return
        assert time.monotonic() < deadline, f"not all refreshed: {sorted(generations)}"
        await asyncio.sleep(0.2)


async def test_worker_processes_lose_nothing_when_redis_is_flushed_mid_run(
    strict_sandbox: SandboxServer,
    client: httpx.AsyncClient,
    identities: list[XeroIdentity],
    sessions: async_sessionmaker[AsyncSession],
    db_url: str,
    keys: str,
    keyed_vault: Vault,
) -> None:
    identity = _identity(strict_sandbox, client, identities)
    grant_ids = [
        await store_grant(sessions, keyed_vault, await consent(identity, client)) for _ in range(20)
    ]
    queue = f"xc-test-{uuid.uuid4().hex[:10]}"
    redis = await create_pool(RedisSettings.from_dsn(REDIS_URL))
    try:
        async with sessions() as session:
            rows = (
                await session.execute(
                    select(XeroGrant.id, XeroGrant.refresh_generation).where(
                        XeroGrant.id.in_(grant_ids)
                    )
                )
            ).all()
        dispatcher = ArqDispatcher(redis, queue)
        for grant_id, generation in rows:
            await dispatcher.enqueue(
                ids.REFRESH_GRANT,
                grant_id,
                generation,
                job_id=ids.refresh_job_id(grant_id, generation),
            )
        assert await _flush_queue(redis, queue) >= 20  # everything enqueued is gone

        env = subprocess_env(
            XERO_CONNECTOR_DATABASE_URL=db_url,
            XERO_CONNECTOR_REDIS_URL=REDIS_URL,
            XERO_CONNECTOR_KEYS=keys,
            XERO_CONNECTOR_QUEUE_NAME=queue,
            XERO_CONNECTOR_SWEEP_INTERVAL_SECONDS="2",
            XERO_CONNECTOR_WORKER_MAX_JOBS="4",
            XERO_CONNECTOR_LOG_LEVEL="WARNING",
            **strict_sandbox.xero_env(),
        )
        workers = [_start_worker(env) for _ in range(2)]
        try:
            await _wait_generation(sessions, grant_ids, 1, 60)
            await _expire(sessions, *grant_ids)  # round two, flushed while it runs
            await asyncio.sleep(0.3)
            await _flush_queue(redis, queue)
            await _wait_generation(sessions, grant_ids, 2, 60)
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            for worker in workers:
                worker.wait(20)
        assert _refresh_stats(strict_sandbox) == (40, 40, 0)
    finally:
        await _flush_queue(redis, queue)
        await redis.aclose()


class CountingIdentity:
    """The on-demand path's token client, counting the refresh calls this process makes."""

    def __init__(self, inner: XeroIdentity) -> None:
        self._inner = inner
        self.refreshes = 0

    async def refresh(self, refresh_token: str) -> TokenSet:
        self.refreshes += 1
        return await self._inner.refresh(refresh_token)

    async def revoke(self, refresh_token: str) -> None:
        await self._inner.revoke(refresh_token)


async def test_worker_processes_and_on_demand_callers_racing_make_one_call_per_rotation(
    strict_sandbox: SandboxServer,
    client: httpx.AsyncClient,
    identities: list[XeroIdentity],
    sessions: async_sessionmaker[AsyncSession],
    engine: Any,
    db_url: str,
    keys: str,
    keyed_vault: Vault,
) -> None:
    """Grace 0. Two ``xero-connector worker`` processes (sweeping every second) and this process's
    on-demand callers want the same expired grants; the callers come 0 to 1.5 s after the
    expiry, staggered per grant, so both sides win some rotations and some meet head-on."""
    identity = _identity(strict_sandbox, client, identities)
    grant_ids = [
        await store_grant(sessions, keyed_vault, await consent(identity, client)) for _ in range(6)
    ]
    queue = f"xc-test-{uuid.uuid4().hex[:10]}"
    env = subprocess_env(
        XERO_CONNECTOR_DATABASE_URL=db_url,
        XERO_CONNECTOR_REDIS_URL=REDIS_URL,
        XERO_CONNECTOR_KEYS=keys,
        XERO_CONNECTOR_QUEUE_NAME=queue,
        XERO_CONNECTOR_SWEEP_INTERVAL_SECONDS="1",
        XERO_CONNECTOR_WORKER_MAX_JOBS="4",
        XERO_CONNECTOR_LOG_LEVEL="WARNING",
        **strict_sandbox.xero_env(),
    )
    on_demand = CountingIdentity(identity)
    service = _service(sessions, engine, keyed_vault, on_demand)

    async def callers(grant_id: str, delay: float) -> None:
        await asyncio.sleep(delay)
        tokens = await asyncio.gather(*(service.access_token(grant_id) for _ in range(3)))
        assert len(set(tokens)) == 1

    rounds = 6
    redis = await create_pool(RedisSettings.from_dsn(REDIS_URL))
    workers = [_start_worker(env) for _ in range(2)]
    try:
        await _wait_generation(sessions, grant_ids, 1, 60)  # the workers alone, once they are up
        for generation in range(2, rounds + 2):
            await _expire(sessions, *grant_ids)
            await asyncio.gather(*(callers(g, 0.3 * i) for i, g in enumerate(grant_ids)))
            await _wait_generation(sessions, grant_ids, generation, 30)
        await asyncio.sleep(1.5)  # a straggling job would show up in the counts
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(20)
        await _flush_queue(redis, queue)
        await redis.aclose()

    async with sessions() as session:
        generations = (
            await session.scalars(
                select(XeroGrant.refresh_generation).where(XeroGrant.id.in_(grant_ids))
            )
        ).all()
    expected = len(grant_ids) * (rounds + 1)
    assert sorted(generations) == [rounds + 1] * len(grant_ids)
    assert _refresh_stats(strict_sandbox) == (expected, expected, 0)  # calls, rotations, refused
    assert sum(strict_sandbox.stats()["grace_reuses"].values()) == 0
    assert 0 < on_demand.refreshes < expected - len(grant_ids)  # both paths rotated some
