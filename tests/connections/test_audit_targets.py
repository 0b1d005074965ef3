"""Every audit event names its target with one prefix per kind of thing (issue 7, defect 12)."""

from __future__ import annotations

from sqlalchemy import select

from tests.connections.helpers import connect, delete, rows
from tests.connector_app import Browser
from xero_connector.db.models import AuditEvent


async def test_grant_events_of_a_reconnect_and_a_disconnect_all_say_grant(
    browser: Browser,
) -> None:
    [first] = await connect(browser, "ws-1", "tenant-1")
    _, replaced = await rows(browser, first)
    [again] = await connect(browser, "ws-1", "tenant-1")  # shreds the replaced grant
    _, current = await rows(browser, again)
    assert await delete(browser, again) == 204  # revokes the current grant
    async with browser.context.session_factory() as session:
        events = (await session.scalars(select(AuditEvent).order_by(AuditEvent.at))).all()
    grant_events = [(e.action, e.target) for e in events if e.action.startswith("grant.")]
    assert grant_events == [
        ("grant.shred", f"grant:{replaced.id}"),
        ("grant.revoke", f"grant:{current.id}"),
    ]
    prefixes = {e.target.split(":", 1)[0] for e in events if e.target}
    assert prefixes <= {"connection", "grant", "oauth_state", "api_key"}
