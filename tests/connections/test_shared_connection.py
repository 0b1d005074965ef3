"""One Xero connection, two workspaces: Xero keeps one connection per (user, app, organisation),
so the same user connecting the same organisation into two workspaces gives both rows the same
Xero connection id. Disconnecting one workspace must not cut the other off at Xero."""

from __future__ import annotations

from tests.connections.helpers import audit_events, connect, delete, rows
from tests.connector_app import Browser


async def test_a_xero_connection_another_workspace_shares_is_not_deleted_at_xero(
    browser: Browser,
) -> None:
    [mine] = await connect(browser, "ws-1", "tenant-1")
    [theirs] = await connect(browser, "ws-2", "tenant-1")
    assert await delete(browser, mine) == 204
    connection, _ = await rows(browser, mine)
    assert connection.status == "disconnected"
    assert connection.remote_delete_due_at is None  # nothing owed either
    assert connection.remote_deleted_at is None
    assert browser.fake.deleted_connections == []
    other, _ = await rows(browser, theirs)
    assert other.xero_connection_id in browser.fake.connections


async def test_a_skipped_delete_at_xero_is_audited_with_its_reason(browser: Browser) -> None:
    [mine] = await connect(browser, "ws-1", "tenant-1")
    await connect(browser, "ws-2", "tenant-1")
    await delete(browser, mine)
    [event] = await audit_events(browser, "connection.remote_delete")
    assert event.target == f"connection:{mine}"
    assert event.workspace_id == "ws-1"
    assert event.result == "skipped"
    assert event.detail is not None
    assert "another live connection" in event.detail["reason"]


async def test_the_last_workspace_to_disconnect_deletes_at_xero_and_revokes(
    browser: Browser,
) -> None:
    [mine] = await connect(browser, "ws-1", "tenant-1")
    [theirs] = await connect(browser, "ws-2", "tenant-1")
    xero_id = (await rows(browser, theirs))[0].xero_connection_id
    await delete(browser, mine)
    assert await delete(browser, theirs) == 204
    connection, grant = await rows(browser, theirs)
    assert browser.fake.deleted_connections == [xero_id]
    assert connection.remote_deleted_at is not None
    assert len(browser.fake.revoked_tokens) == 1
    assert grant.status == "revoked"
    assert browser.fake.connections == {}


async def test_a_grant_is_shredded_not_revoked_while_its_user_is_live_on_another_grant(
    browser: Browser,
) -> None:
    [mine] = await connect(browser, "ws-1", "tenant-1")
    [theirs] = await connect(browser, "ws-2", "tenant-1")
    await delete(browser, mine)
    _, grant = await rows(browser, mine)
    assert browser.fake.revoked_tokens == []
    assert grant.status == "shredded"
    assert grant.token_ciphertext is None
    assert grant.data_key_wrapped is None
    other, _ = await rows(browser, theirs)
    assert other.xero_connection_id in browser.fake.connections  # revoking would remove it


async def test_the_revocation_rule_holds_for_another_organisation_of_the_same_user(
    browser: Browser,
) -> None:
    [mine] = await connect(browser, "ws-1", "tenant-1")
    await connect(browser, "ws-2", "tenant-2")
    await delete(browser, mine)
    _, grant = await rows(browser, mine)
    assert len(browser.fake.deleted_connections) == 1  # its own Xero connection: deleted
    assert browser.fake.revoked_tokens == []
    assert grant.status == "shredded"


async def test_a_local_shred_is_audited_with_its_reason(browser: Browser) -> None:
    [mine] = await connect(browser, "ws-1", "tenant-1")
    await connect(browser, "ws-2", "tenant-1")
    await delete(browser, mine)
    _, grant = await rows(browser, mine)
    [event] = await audit_events(browser, "grant.shred")
    assert event.target == f"grant:{grant.id}"
    assert event.detail is not None
    assert "not revoked at Xero" in event.detail["reason"]
    assert await audit_events(browser, "grant.revoke") == []
