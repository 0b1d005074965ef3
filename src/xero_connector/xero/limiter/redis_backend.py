"""The scale-out backend: limiter state in Redis, one Lua script (one round trip) per step.

The state is ephemeral by design and safe to lose: leases expire by themselves and counts are
corrected from Xero's ``X-*-Remaining`` headers, so a flushed Redis costs at most a short pause,
never data (Postgres stays the source of truth for the work itself).
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from xero_connector.xero.limiter.backend import REASONS, Reason, Verdict
from xero_connector.xero.limiter.config import Feedback, LimitConfig
from xero_connector.xero.limiter.scripts import ACQUIRE, RELEASE, RENEW


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _opt(value: int | float | None) -> str:
    return "" if value is None else str(value)


class RedisBackend:
    """Limiter state shared by every process using the same Redis and ``namespace``.

    ``namespace`` should name the Xero app (its client id): two apps never share limits.
    ``round_trips`` counts the scripts run by this process (the benchmark reports it).
    """

    def __init__(
        self, redis: Redis, config: LimitConfig, *, namespace: str, owns_redis: bool = False
    ) -> None:
        self.config = config
        self._redis = redis
        self._owns = owns_redis
        self._prefix = f"{{xero-limits:{namespace}}}"
        self._acquire = redis.register_script(ACQUIRE)
        self._release = redis.register_script(RELEASE)
        self._renew = redis.register_script(RENEW)
        self.round_trips = 0

    def _keys(self, tenant: str | None) -> list[str]:
        own = f"{self._prefix}:t:{tenant or ''}"
        app = f"{self._prefix}:app"
        return [
            f"{own}:inflight",
            f"{own}:win",
            f"{own}:day",
            f"{own}:pause",
            f"{app}:win",
            f"{app}:pause",
            f"{app}:served",
            f"{app}:queue",
            f"{app}:seen",
        ]

    def _common(self, tenant: str | None, lease_id: str) -> list[Any]:
        cfg = self.config
        return [
            "1" if tenant is not None else "0",
            tenant or "",
            lease_id,
            repr(cfg.minute_window),
            repr(cfg.day_bucket),
            str(int(cfg.key_ttl * 1000)),
            repr(cfg.window_lag),
        ]

    async def _run(self, script: Any, tenant: str | None, args: list[Any]) -> Any:
        self.round_trips += 1
        return await script(keys=self._keys(tenant), args=args)

    async def _verdict(self, tenant: str | None, lease_id: str, *, admit: bool) -> Verdict:
        cfg = self.config
        args = [
            *self._common(tenant, lease_id),
            cfg.tenant_concurrency,
            cfg.tenant_minute,
            cfg.tenant_day,
            cfg.app_minute,
            repr(cfg.lease_seconds),
            repr(cfg.poll_seconds),
            repr(cfg.waiter_stale),
            "1" if admit else "0",
        ]
        admitted, wait, reason, *at = await self._run(self._acquire, tenant, args)
        name = _text(reason)
        found: Reason = next((r for r in REASONS if r == name), "admitted")
        if int(admitted):
            return Verdict(0.0, "admitted", float(_text(at[0])))
        return Verdict(max(float(_text(wait)), 0.0), found)

    async def try_acquire(self, tenant: str | None, lease_id: str) -> Verdict:
        return await self._verdict(tenant, lease_id, admit=True)

    async def peek(self, tenant: str | None) -> Verdict:
        return await self._verdict(tenant, "peek", admit=False)

    async def release(
        self,
        tenant: str | None,
        lease_id: str,
        feedback: Feedback | None,
        admitted_at: float | None = None,
    ) -> None:
        cfg = self.config
        fb = feedback or Feedback()
        args = [
            *self._common(tenant, lease_id),
            cfg.tenant_minute,
            cfg.tenant_day,
            cfg.app_minute,
            _opt(fb.minute_remaining),
            _opt(fb.day_remaining),
            _opt(fb.app_remaining),
            fb.problem or "",
            _opt(fb.retry_after),
            _opt(admitted_at),
        ]
        await self._run(self._release, tenant, args)

    async def renew(self, tenant: str | None, lease_id: str) -> bool:
        args = [*self._common(tenant, lease_id), repr(self.config.lease_seconds)]
        return bool(int(await self._run(self._renew, tenant, args)))

    async def aclose(self) -> None:
        if self._owns:
            await self._redis.aclose()
