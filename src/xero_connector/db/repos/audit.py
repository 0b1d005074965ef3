"""SQL for ``audit_events``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
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


@dataclass(frozen=True)
class AuditFilter:
    """Which events to list; None leaves a field unfiltered.

    ``workspace_id`` is an exact match (events of no workspace, such as an API key's creation,
    match only when it is None); ``target`` is the stored ``kind:id``; ``since`` is inclusive.
    """

    workspace_id: str | None = None
    target: str | None = None
    action: str | None = None
    since: datetime | None = None


async def list_audit_events(
    session: AsyncSession,
    where: AuditFilter,
    *,
    before: tuple[datetime, str] | None = None,
    limit: int = 100,
) -> Sequence[AuditEvent]:
    """Up to ``limit`` events, newest first, older than ``before`` = ``(at, id)``."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    if where.workspace_id is not None:
        query = query.where(AuditEvent.workspace_id == where.workspace_id)
    if where.target is not None:
        query = query.where(AuditEvent.target == where.target)
    if where.action is not None:
        query = query.where(AuditEvent.action == where.action)
    if where.since is not None:
        query = query.where(AuditEvent.at >= where.since)
    if before is not None:
        at, event_id = before
        query = query.where(
            or_(AuditEvent.at < at, and_(AuditEvent.at == at, AuditEvent.id < event_id))
        )
    result = await session.execute(query)
    return result.scalars().all()
