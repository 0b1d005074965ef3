"""Audit events written on behalf of an API caller (routers and services call this)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.auth.caller import Caller
from xero_connector.db.models import AuditEvent
from xero_connector.db.repos.audit import record_audit


async def audit_caller(
    session: AsyncSession,
    caller: Caller,
    *,
    action: str,
    workspace_id: str | None,
    target: str | None,
    result: str,
    detail: dict[str, Any] | None = None,
    source: str = "api",
) -> AuditEvent:
    """Record that ``caller`` did ``action``; committed with the request's unit of work."""
    return await record_audit(
        session,
        actor=caller.actor,
        action=action,
        workspace_id=workspace_id,
        target=target,
        result=result,
        source=source,
        detail=detail,
    )
