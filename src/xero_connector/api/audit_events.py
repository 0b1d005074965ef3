"""``GET /v1/audit-events``: the audit log, for the ops and service roles."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel, BeforeValidator

from xero_connector.api.deps import CallerDep, SessionDep
from xero_connector.api.problems import PROBLEM_JSON
from xero_connector.api.schemas import UtcDatetime
from xero_connector.api.scope import AuditWorkspaceInScope
from xero_connector.audit_log import audit_filter, list_audit_events
from xero_connector.auth.policy import Action
from xero_connector.db.models import AuditEvent

router = APIRouter(prefix="/v1", tags=["audit"])

_RFC3339_START = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]")


def _rfc3339_only(value: object) -> object:
    """pydantic also reads numbers as Unix times; the contract says an RFC 3339 date-time."""
    if isinstance(value, str) and not _RFC3339_START.match(value):
        raise ValueError("since must be an RFC 3339 date-time with a time zone")
    return value


Since = Annotated[AwareDatetime, BeforeValidator(_rfc3339_only)]


class AuditEventOut(BaseModel):
    """Who did what to which target, when, with what result, from where. Never a secret."""

    id: str
    at: UtcDatetime
    actor: str
    action: str
    workspace_id: str | None
    target: str | None
    result: str
    source: str | None
    detail: dict[str, Any] | None

    @classmethod
    def of(cls, event: AuditEvent) -> AuditEventOut:
        return cls(
            id=event.id,
            at=event.at,
            actor=event.actor,
            action=event.action,
            workspace_id=event.workspace_id,
            target=event.target,
            result=event.result,
            source=event.source,
            detail=event.detail,
        )


class AuditEventPage(BaseModel):
    """A page of audit events, newest first; pass ``next_cursor`` as ``cursor`` for the next."""

    items: list[AuditEventOut]
    next_cursor: str | None


_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {
        "description": "A dashboard JWT, or another workspace than a bound key's own",
        "content": {PROBLEM_JSON: {}},
    },
    422: {
        "description": "Invalid input (cursor, limit, since or workspace_id)",
        "content": {PROBLEM_JSON: {}},
    },
}


@router.get("/audit-events", response_model=AuditEventPage, responses=_RESPONSES)
async def read_audit_events(
    caller: CallerDep,
    session: SessionDep,
    workspace: AuditWorkspaceInScope,
    connection_id: Annotated[
        str | None, Query(max_length=64, description="Only events about this connection.")
    ] = None,
    action: Annotated[
        str | None, Query(max_length=64, description="Only this action (`connection.disconnect`).")
    ] = None,
    since: Annotated[
        Since | None, Query(description="Only events at or after this RFC 3339 time.")
    ] = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AuditEventPage:
    """The audit log, newest first (ops and service keys; a bound key sees its workspace's)."""
    caller.require(Action.AUDIT)
    where = audit_filter(
        workspace_id=workspace, connection_id=connection_id, action=action, since=since
    )
    page = await list_audit_events(session, where, cursor=cursor, limit=limit)
    return AuditEventPage(
        items=[AuditEventOut.of(event) for event in page.items], next_cursor=page.next_cursor
    )
