"""One process of ``bench/limiter.py``: drives its tenants through the Redis limiter.

Run by the benchmark as ``python bench/limiter_worker.py '<json spec>'``; prints one JSON line:
admission times per tenant, answers by status, and the limiter's own cost (backend round trips,
wall seconds spent in backend steps, sleeping excluded, and the process's CPU seconds).
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from collections import Counter, defaultdict
from typing import Any

import httpx
from redis.asyncio import Redis

from xero_connector.xero.limiter import Feedback, LimitConfig, Limiter
from xero_connector.xero.limiter.backend import LimiterBackend, Verdict
from xero_connector.xero.limiter.memory import MemoryBackend
from xero_connector.xero.limiter.redis_backend import RedisBackend


class Timed:
    """A backend wrapper summing the time spent in each step and counting the steps."""

    def __init__(self, inner: LimiterBackend) -> None:
        self.inner = inner
        self.config = inner.config
        self.seconds = 0.0
        self.steps = 0

    async def _timed(self, step: Any) -> Any:
        started = time.perf_counter()
        try:
            return await step
        finally:
            self.seconds += time.perf_counter() - started
            self.steps += 1

    async def try_acquire(self, tenant: str | None, lease_id: str) -> Verdict:
        verdict: Verdict = await self._timed(self.inner.try_acquire(tenant, lease_id))
        return verdict

    async def release(
        self,
        tenant: str | None,
        lease_id: str,
        feedback: Feedback | None,
        admitted_at: float | None = None,
    ) -> None:
        await self._timed(self.inner.release(tenant, lease_id, feedback, admitted_at))

    async def renew(self, tenant: str | None, lease_id: str) -> bool:
        renewed: bool = await self._timed(self.inner.renew(tenant, lease_id))
        return renewed

    async def peek(self, tenant: str | None) -> Verdict:
        verdict: Verdict = await self._timed(self.inner.peek(tenant))
        return verdict

    async def aclose(self) -> None:
        await self.inner.aclose()


def backend_of(spec: dict[str, Any]) -> LimiterBackend:
    config = LimitConfig(**spec["limits"])
    if spec.get("redis"):
        redis = Redis.from_url(spec["redis"])
        return RedisBackend(redis, config, namespace=spec["namespace"], owns_redis=True)
    return MemoryBackend(config)


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    timed = Timed(backend_of(spec))
    limiter = Limiter(timed)
    admitted: defaultdict[str, list[float]] = defaultdict(list)
    statuses: Counter[int] = Counter()
    origin = spec.get("origin")
    headers = {"Authorization": f"Bearer {spec.get('token', '')}", "Accept": "application/json"}
    await asyncio.sleep(max(spec["start_at"] - time.time(), 0))
    cpu_before = _cpu()
    stop = spec["start_at"] + spec["seconds"]
    limits = httpx.Limits(max_connections=len(spec["tenants"]) * spec["per_tenant"])
    async with httpx.AsyncClient(base_url=origin or "http://unused", limits=limits) as http:

        async def loop(tenant: str) -> None:
            # No early exit while waiting (it would leave the last window underused): a call
            # admitted after ``stop`` is given back unsent and uncounted.
            while time.time() < stop:
                async with limiter.hold(tenant) as lease:
                    if (at := time.time()) >= stop:
                        return
                    admitted[tenant].append(at)
                    if origin is None:  # the limiter alone, no HTTP
                        continue
                    answer = await http.get(
                        "/api.xro/2.0/Organisation",
                        headers={**headers, "xero-tenant-id": tenant},
                    )
                    lease.feedback = Feedback.from_response(answer.status_code, answer.headers)
                statuses[answer.status_code] += 1

        tenants = [t for t in spec["tenants"] for _ in range(spec["per_tenant"])]
        await asyncio.gather(*(loop(tenant) for tenant in tenants))
    cpu = _cpu() - cpu_before
    round_trips = getattr(timed.inner, "round_trips", timed.steps)
    await limiter.aclose()
    return {
        "admitted": admitted,
        "statuses": {str(k): v for k, v in statuses.items()},
        "round_trips": round_trips,
        "limiter_seconds": timed.seconds,
        "cpu_seconds": cpu,
    }


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run(json.loads(sys.argv[1])))), flush=True)
