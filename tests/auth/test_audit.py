"""Audit events name the caller and never hold a secret."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.audit import audit_caller
from xero_connector.auth import Caller, Role


async def test_an_audit_event_names_the_caller_and_masks_secret_details(
    session: AsyncSession,
) -> None:
    caller = Caller(actor="jwt:user-7", role=Role.DASHBOARD, workspace_id="ws-1")
    event = await audit_caller(
        session,
        caller,
        action="connect",
        workspace_id="ws-1",
        target="connection:abc",
        result="ok",
        detail={"tenants": 2, "refresh_token": "rt-secret", "note": "code=abc123"},
    )
    await session.refresh(event)
    assert (event.actor, event.source, event.result) == ("jwt:user-7", "api", "ok")
    assert event.detail == {"tenants": 2, "refresh_token": "***", "note": "code=***"}
