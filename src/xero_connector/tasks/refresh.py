"""Refresh tasks: one grant's scheduled refresh, and the check of its tenants at Xero.

A scheduled refresh that finds the grant rotated (by itself or by anyone since the job was
enqueued) enqueues ``check_connections`` for the new generation: that is what notices an
organisation disconnected from inside Xero while no tenant call has hit a 403 yet. In-use grants
are checked about every access-token lifetime, idle ones at each keep-alive.
"""

from __future__ import annotations

from typing import Any

from xero_connector.db.repos import grants
from xero_connector.jobs import ids
from xero_connector.logs import bind_log_ids, get_logger
from xero_connector.tasks.context import resources
from xero_connector.tokens.disconnects import mark_missing_tenants
from xero_connector.tokens.errors import GrantUnavailable

log = get_logger(__name__)


async def refresh_grant(ctx: dict[str, Any], grant_id: str, generation: int) -> str:
    """Refresh ``grant_id`` if it is still at ``generation`` and due (refresh-ahead/keep-alive).

    Idempotent: a grant someone already refreshed, or one that is no longer usable, is left
    alone. Shares an in-flight refresh of the same grant in this process. Once the grant is past
    ``generation``, its tenants are checked at Xero (one job per generation).
    """
    bind_log_ids(grant_id=grant_id)
    res = resources(ctx)
    try:
        await res.tokens.refresh(grant_id, expected_generation=generation, keepalive=True)
    except GrantUnavailable as exc:
        return exc.code
    async with res.session_factory() as session:
        grant = await grants.read_grant(session, grant_id)
    if grant is None or grant.status != "active" or grant.refresh_generation <= generation:
        return "ok"
    try:
        await res.dispatcher.enqueue(
            ids.CHECK_CONNECTIONS,
            grant_id,
            job_id=ids.check_connections_job_id(grant_id, grant.refresh_generation),
        )
    except Exception:  # the refresh is done and stored; the next rotation checks again
        log.exception("connections_check_enqueue_failed", grant_id=grant_id)
    return "ok"


async def check_connections(ctx: dict[str, Any], grant_id: str) -> list[str]:
    """Ask Xero which organisations the grant still reaches; disconnect the ones gone.

    Does not mark the grant used (a check is not activity). Returns the ids of connections newly
    marked disconnected.
    """
    bind_log_ids(grant_id=grant_id)
    res = resources(ctx)
    try:
        access_token = await res.tokens.access_token(grant_id, mark_used=False)
    except GrantUnavailable:
        return []
    tenants = {tenant.tenant_id for tenant in await res.remote.list_connections(access_token)}
    async with res.session_factory() as session:
        changed = await mark_missing_tenants(session, grant_id, tenants, at=res.clock())
        await session.commit()
    return changed
