"""SQL for ``audit_events``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.models import AuditEvent
from xero_connector.redaction import redact


async def record_audit(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    workspace_id: str | None,
    target: str | None,
    result: str,
    source: str | None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit event to the session (committed with the caller's unit of work).

    ``detail`` goes through the secret masking as a second net; callers must not put secrets in it.
    """
    event = AuditEvent(
        actor=actor[:200],
        action=action,
        workspace_id=workspace_id,
        target=target[:200] if target else target,
        result=result,
        source=source[:200] if source else source,
        detail=redact(detail) if detail is not None else None,
    )
    session.add(event)
    await session.flush()
    return event


async def list_audit_events(
    session: AsyncSession, *, workspace_id: str | None = None, limit: int = 100
) -> Sequence[AuditEvent]:
    """Newest first, optionally for one workspace."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    if workspace_id is not None:
        query = query.where(AuditEvent.workspace_id == workspace_id)
    result = await session.execute(query)
    return result.scalars().all()
