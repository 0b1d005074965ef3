"""The owed-work jobs re-check the shared-connection rules against the rows as they are when
they run: another workspace may have connected the same organisation since the request."""

from __future__ import annotations

from tests.connections.helpers import connect, delete, rows, task_ctx
from tests.connector_app import Browser
from xero_connector.tasks.disconnect import delete_remote_connection, revoke_grant


async def test_an_owed_delete_is_skipped_once_another_workspace_shares_the_xero_connection(
    browser: Browser,
) -> None:
    [mine] = await connect(browser, "ws-1", "tenant-1")
    browser.fake.fail_delete = "503"
    browser.fake.fail_revoke = "503"
    await delete(browser, mine)
    browser.fake.fail_delete = browser.fake.fail_revoke = None
    await connect(browser, "ws-2", "tenant-1")  # the same user: Xero re-uses the connection

    assert await delete_remote_connection(task_ctx(browser), mine) == "shared"

    connection, _ = await rows(browser, mine)
    assert browser.fake.deleted_connections == []
    assert connection.xero_connection_id in browser.fake.connections
    assert connection.remote_delete_due_at is None


async def test_an_owed_revocation_becomes_a_local_shred_while_the_user_is_live_elsewhere(
    browser: Browser,
) -> None:
    [mine] = await connect(browser, "ws-1", "tenant-1")
    browser.fake.fail_revoke = "503"
    await delete(browser, mine)
    browser.fake.fail_revoke = None
    await connect(browser, "ws-2", "tenant-1")
    _, grant = await rows(browser, mine)
    assert grant.revocation_due_at is not None

    assert await revoke_grant(task_ctx(browser), grant.id) == "shredded"

    _, grant = await rows(browser, mine)
    assert browser.fake.revoked_tokens == []
    assert grant.status == "shredded"
    assert grant.token_ciphertext is None
    assert grant.revocation_due_at is None


async def test_a_grant_waiting_for_its_owed_delete_is_shredded_once_the_delete_is_done(
    browser: Browser,
) -> None:
    [mine] = await connect(browser, "ws-1", "tenant-1")
    browser.fake.fail_delete = "503"
    browser.fake.fail_revoke = "503"
    await delete(browser, mine)
    browser.fake.fail_delete = browser.fake.fail_revoke = None
    await connect(browser, "ws-2", "tenant-2")  # the same user, live on another grant
    connection, grant = await rows(browser, mine)
    ctx = task_ctx(browser)

    assert await revoke_grant(ctx, grant.id) == "cancelled"  # its delete needs its tokens
    assert await delete_remote_connection(ctx, mine) == "deleted"

    _, grant = await rows(browser, mine)
    assert browser.fake.deleted_connections == [connection.xero_connection_id]
    assert browser.fake.revoked_tokens == []
    assert grant.status == "shredded"
