"""Reading the audit log: ``GET /v1/audit-events`` and ``xero-connector audit-events`` alike.

Newest first, in pages with an opaque cursor ``(at, id)`` of the last event handed out.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.audit import Target
from xero_connector.connections.paging import Page, decode_cursor, encode_cursor
from xero_connector.db.models import AuditEvent
from xero_connector.db.repos.audit import AuditFilter
from xero_connector.db.repos.audit import list_audit_events as repo_list


def audit_filter(
    *,
    workspace_id: str | None = None,
    connection_id: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
) -> AuditFilter:
    """The filter of the API's (and the CLI's) query parameters."""
    target = str(Target.connection(connection_id)) if connection_id is not None else None
    return AuditFilter(workspace_id=workspace_id, target=target, action=action, since=since)


async def list_audit_events(
    session: AsyncSession, where: AuditFilter, *, cursor: str | None, limit: int
) -> Page[AuditEvent]:
    """One page of events, newest first; ``next_cursor`` is None on the last page."""
    before = decode_cursor(cursor) if cursor else None
    rows = list(await repo_list(session, where, before=before, limit=limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].at, rows[-1].id) if more and rows else None
    return Page(items=rows, next_cursor=next_cursor)
