"""Audit events name the caller and never hold a secret."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.audit import Actor, AuditAction, Target, audit


async def test_an_audit_event_names_the_caller_and_masks_secret_details(
    session: AsyncSession,
) -> None:
    event = await audit(
        session,
        Actor("jwt:user-7", "api"),
        AuditAction.CONNECTION_DISCONNECT,
        Target.connection("abc"),
        "ws-1",
        tenants=2,
        refresh_token="rt-secret",
        note="code=abc123",
    )
    await session.refresh(event)
    assert (event.actor, event.source, event.result) == ("jwt:user-7", "api", "ok")
    assert event.target == "connection:abc"
    assert event.detail == {"tenants": 2, "refresh_token": "***", "note": "code=***"}
