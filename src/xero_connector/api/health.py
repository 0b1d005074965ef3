"""``/healthz`` (the process is up) and ``/readyz`` (its database and Redis answer; in dev, the
in-process job runner is running)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from xero_connector.api.deps import ContextDep
from xero_connector.api.problems import PROBLEM_JSON
from xero_connector.context import AppContext
from xero_connector.db.repos.health import ping
from xero_connector.errors import ServiceUnavailable
from xero_connector.logs import get_logger

CHECK_TIMEOUT_SECONDS = 3.0

router = APIRouter(tags=["health"])
log = get_logger(__name__)


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ok"] = "ok"
    checks: dict[str, Literal["ok"]]


async def _database(context: AppContext) -> None:
    async with context.session_factory() as session:
        await ping(session)


async def _redis(context: AppContext) -> None:
    assert context.redis is not None
    await context.redis.ping()


async def _jobs(context: AppContext) -> None:
    runner = context.in_process_runner
    if runner is None or not runner.running:
        raise RuntimeError("the in-process job runner is not running")


async def run_checks(context: AppContext) -> dict[str, str]:
    """``{name: "ok" | "down"}`` for the database, Redis when configured, and the in-process
    job runner when jobs run in this process (dev)."""
    checks: dict[str, Callable[[AppContext], Awaitable[None]]] = {"database": _database}
    if context.redis is not None:
        checks["redis"] = _redis
    if context.in_process_runner is not None:
        checks["jobs"] = _jobs
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            await asyncio.wait_for(check(context), CHECK_TIMEOUT_SECONDS)
            results[name] = "ok"
        except Exception as exc:
            log.warning("readiness_check_failed", check=name, error=type(exc).__name__)
            results[name] = "down"
    return results


@router.get("/healthz", response_model=Health, summary="Liveness")
async def healthz() -> Health:
    return Health()


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="Readiness: the database, Redis (when configured) and dev's job runner",
    responses={503: {"description": "Something is down", "content": {PROBLEM_JSON: {}}}},
)
async def readyz(context: ContextDep) -> Readiness:
    results = await run_checks(context)
    down = sorted(name for name, result in results.items() if result != "ok")
    if down:
        raise ServiceUnavailable(f"down: {', '.join(down)}", checks=results)
    return Readiness(checks=dict.fromkeys(results, "ok"))
