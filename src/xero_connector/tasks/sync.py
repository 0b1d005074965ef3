"""The sync task: one short slice of a sync run (``sync.engine``); the slice enqueues the next."""

from __future__ import annotations

from typing import Any

from xero_connector.tasks.context import resources


async def sync_run(ctx: dict[str, Any], run_id: str, step: int) -> str:
    """Advance sync run ``run_id`` by one slice if ``step`` is still its current slice."""
    res = resources(ctx)
    if res.sync is None:
        return "sync is not configured"
    return await res.sync.run_slice(run_id, int(step))
