"""A separate OS process driving one tenant through the Redis limiter as hard as it can.

``python -m tests.xero.limiter_driver '<json>'`` with keys: ``mode`` (``drive`` or ``hold``),
``db``, ``redis``, ``namespace``, ``keys`` (the vault keyring), ``sandbox`` (origin), ``ref``
(``[connection_id, grant_id, tenant_id]``), ``limits`` (LimitConfig fields), and for ``drive``:
``seconds`` and ``coroutines``; for ``hold``: ``count``. ``drive`` prints one JSON line of what
it saw; ``hold`` takes ``count`` slots, prints ``held`` and sleeps until killed.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from typing import Any

import httpx
from redis.asyncio import Redis

from tests.tokens.sandbox_support import CLIENT_ID, CLIENT_SECRET
from xero_connector.db.engine import make_engine, make_session_factory
from xero_connector.tokens.locks import PgAdvisoryGrantLocks
from xero_connector.tokens.service import TokenService
from xero_connector.vault import LocalKeyring, Vault
from xero_connector.xero.client import TenantRef, XeroApiClient
from xero_connector.xero.errors import XeroRateLimited
from xero_connector.xero.identity import XeroEndpoints, XeroIdentity
from xero_connector.xero.limiter import LimitConfig, Limiter
from xero_connector.xero.limiter.redis_backend import RedisBackend
from xero_connector.xero.tenant_status import TenantStatus


def limiter_of(spec: dict[str, Any]) -> Limiter:
    config = LimitConfig(**spec["limits"])
    backend = RedisBackend(
        Redis.from_url(spec["redis"]), config, namespace=spec["namespace"], owns_redis=True
    )
    return Limiter(backend)


async def hold(spec: dict[str, Any]) -> None:
    limiter = limiter_of(spec)
    tenant = spec["ref"][2]
    for _ in range(spec["count"]):
        await limiter.acquire(tenant)
    print("held", flush=True)
    await asyncio.sleep(3600)


async def drive(spec: dict[str, Any]) -> dict[str, Any]:
    engine = make_engine(spec["db"])
    sessions = make_session_factory(engine)
    limiter = limiter_of(spec)
    outcomes: Counter[str] = Counter()
    answered: list[float] = []
    async with httpx.AsyncClient() as http:
        origin = spec["sandbox"]
        identity = XeroIdentity(
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            endpoints=XeroEndpoints(login_base=origin, identity_base=origin, api_base=origin),
            http=http,
        )
        tokens = TokenService(
            session_factory=sessions,
            vault=Vault(LocalKeyring.from_setting(spec["keys"])),
            identity=identity,
            locks=PgAdvisoryGrantLocks(engine, wait_seconds=10),
        )
        api = XeroApiClient(
            http=http,
            tokens=tokens,
            limiter=limiter,
            status=TenantStatus(sessions),
            api_base=origin,
            timeout=10.0,
        )
        tenant = api.tenant(TenantRef(*spec["ref"]))
        await tokens.access_token(tenant.ref.grant_id)  # before the clock starts
        stop = time.monotonic() + spec["seconds"]

        async def loop() -> None:
            while time.monotonic() < stop:
                try:
                    await tenant.get("Organisation")
                    outcomes["ok"] += 1
                    answered.append(time.time())
                except XeroRateLimited as limited:
                    outcomes[f"429:{limited.problem}"] += 1

        await asyncio.gather(*(loop() for _ in range(spec["coroutines"])))
        await api.aclose()
        await identity.aclose()
    await engine.dispose()
    round_trips = limiter.backend.round_trips  # type: ignore[attr-defined]
    return {"outcomes": dict(outcomes), "answered": answered, "round_trips": round_trips}


def main() -> None:
    spec = json.loads(sys.argv[1])
    if spec["mode"] == "hold":
        asyncio.run(hold(spec))
    else:
        print(json.dumps(asyncio.run(drive(spec))), flush=True)


if __name__ == "__main__":
    main()
