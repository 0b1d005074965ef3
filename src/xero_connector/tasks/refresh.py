"""Refresh tasks: one grant's scheduled refresh, and the check of its tenants at Xero."""

from __future__ import annotations

from typing import Any

from xero_connector.tasks.context import resources
from xero_connector.tokens.disconnects import mark_missing_tenants
from xero_connector.tokens.errors import GrantUnavailable


async def refresh_grant(ctx: dict[str, Any], grant_id: str, generation: int) -> str:
    """Refresh ``grant_id`` if it is still at ``generation`` and due (refresh-ahead/keep-alive).

    Idempotent: a grant someone already refreshed, or one that is no longer usable, is left
    alone. Shares an in-flight refresh of the same grant in this process.
    """
    res = resources(ctx)
    try:
        await res.tokens.refresh(grant_id, expected_generation=generation, keepalive=True)
    except GrantUnavailable as exc:
        return exc.code
    return "ok"


async def check_connections(ctx: dict[str, Any], grant_id: str) -> list[str]:
    """Ask Xero which organisations the grant still reaches; disconnect the ones gone.

    Returns the ids of connections newly marked disconnected.
    """
    res = resources(ctx)
    try:
        access_token = await res.tokens.access_token(grant_id)
    except GrantUnavailable:
        return []
    tenants = {tenant.tenant_id for tenant in await res.remote.list_connections(access_token)}
    async with res.session_factory() as session:
        changed = await mark_missing_tenants(session, grant_id, tenants, at=res.clock())
        await session.commit()
    return changed
