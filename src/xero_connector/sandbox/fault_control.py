"""``/_sandbox/faults``: read and change the faults of a running sandbox.

``POST`` takes a JSON object with any of:

- ``next_refresh``: faults for the next ``/connect/token`` refresh calls, in order (``"drop"``,
  ``"500"``, ``"503"``), appended to those still pending; tests use it instead of shares, so a
  test says "drop the next answer" without relying on probability;
- ``next_write``: the same for the next API writes (PUT/POST to ``/api.xro/2.0``): ``"drop"`` (the
  write is applied, its answer never sent), ``"500"`` or ``"503"`` (nothing applied);
- the shares and latency of the ``sandbox`` command's flags (``fault_5xx``, ``fault_drop``,
  ``fault_hang``, ``fault_token_drop``, ``fault_token_5xx``: 0 to 1; ``latency_ms``,
  ``latency_jitter_ms``: at least 0), which replace the running values.

``GET`` and ``POST`` answer the current shares and the pending scripted faults; ``DELETE`` drops the
pending scripted faults. ``/_sandbox/reset`` drops them too, but keeps the shares.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from xero_connector.sandbox.world import World

Share = float | None
SHARE = Field(default=None, ge=0.0, le=1.0)
MILLISECONDS = Field(default=None, ge=0.0)
SETTABLE = (
    "fault_5xx",
    "fault_drop",
    "fault_hang",
    "fault_token_drop",
    "fault_token_5xx",
    "latency_ms",
    "latency_jitter_ms",
)


class FaultChange(BaseModel):
    """The body of ``POST /_sandbox/faults``; unknown fields are refused (422)."""

    model_config = ConfigDict(extra="forbid")

    next_refresh: list[Literal["drop", "500", "503"]] = Field(default_factory=list)
    next_write: list[Literal["drop", "500", "503"]] = Field(default_factory=list)
    fault_5xx: Share = SHARE
    fault_drop: Share = SHARE
    fault_hang: Share = SHARE
    fault_token_drop: Share = SHARE
    fault_token_5xx: Share = SHARE
    latency_ms: float | None = MILLISECONDS
    latency_jitter_ms: float | None = MILLISECONDS


def fault_state(world: World) -> dict[str, Any]:
    """The running fault settings and the scripted refresh faults still pending."""
    config = world.config
    return {
        **{name: getattr(config, name) for name in SETTABLE},
        "next_refresh": list(world.next_refresh_faults),
        "next_write": list(world.next_write_faults),
    }


def build_fault_router(world: World) -> APIRouter:
    router = APIRouter(prefix="/_sandbox", include_in_schema=False)

    @router.get("/faults")
    async def read() -> dict[str, Any]:
        return fault_state(world)

    @router.post("/faults")
    async def change(body: FaultChange) -> dict[str, Any]:
        for name in SETTABLE:
            value = getattr(body, name)
            if value is not None:
                setattr(world.config, name, value)
        world.next_refresh_faults.extend(body.next_refresh)
        world.next_write_faults.extend(body.next_write)
        return fault_state(world)

    @router.delete("/faults")
    async def clear() -> dict[str, Any]:
        world.next_refresh_faults.clear()
        world.next_write_faults.clear()
        return fault_state(world)

    return router
