"""DELETE /v1/connections/{id}: local status at once, Xero DELETE, revoke and shred if unused."""

from __future__ import annotations

from sqlalchemy import select

from tests.connector_app import Browser, make_api_key, outcome_of
from tests.fake_xero import Tenant
from xero_connector.auth.policy import Role
from xero_connector.db.models import AuditEvent, Connection, XeroGrant


async def _connect(browser: Browser, *tenants: str) -> list[str]:
    response = await browser.connect([Tenant(t, f"Org {t}") for t in tenants])
    return outcome_of(response)["connection_ids"].split(",")


async def _delete(browser: Browser, connection_id: str) -> int:
    response = await browser.client.delete(
        f"/v1/connections/{connection_id}", headers=browser.headers
    )
    return response.status_code


async def _rows(browser: Browser, connection_id: str) -> tuple[Connection, XeroGrant]:
    async with browser.context.session_factory() as session:
        connection = await session.get(Connection, connection_id)
        assert connection is not None
        grant = await session.get(XeroGrant, connection.grant_id)
        assert grant is not None
        return connection, grant


async def test_disconnect_deletes_at_xero_revokes_and_shreds(browser: Browser) -> None:
    [connection_id] = await _connect(browser, "tenant-1")
    xero_id = next(iter(browser.fake.connections))
    assert await _delete(browser, connection_id) == 204
    connection, grant = await _rows(browser, connection_id)
    assert connection.status == "disconnected"
    assert connection.disconnected_at is not None
    assert connection.remote_delete_due_at is None
    assert browser.fake.deleted_connections == [xero_id]
    assert len(browser.fake.revoked_tokens) == 1
    assert grant.status == "revoked"  # revoked at Xero, then shredded
    assert grant.token_ciphertext is None
    assert grant.data_key_wrapped is None
    assert grant.revocation_due_at is None


async def test_a_disconnected_connection_stays_readable(browser: Browser) -> None:
    [connection_id] = await _connect(browser, "tenant-1")
    await _delete(browser, connection_id)
    response = await browser.client.get(f"/v1/connections/{connection_id}", headers=browser.headers)
    assert response.status_code == 200
    assert response.json()["status"] == "disconnected"


async def test_disconnecting_twice_is_204_and_calls_xero_once(browser: Browser) -> None:
    [connection_id] = await _connect(browser, "tenant-1")
    assert await _delete(browser, connection_id) == 204
    assert await _delete(browser, connection_id) == 204
    assert len(browser.fake.deleted_connections) == 1
    assert len(browser.fake.revoked_tokens) == 1


async def test_a_grant_still_used_by_another_connection_is_not_revoked(browser: Browser) -> None:
    first, second = await _connect(browser, "tenant-1", "tenant-2")
    await _delete(browser, first)
    _, grant = await _rows(browser, first)
    assert browser.fake.revoked_tokens == []
    assert grant.status == "active"
    assert grant.token_ciphertext is not None
    await _delete(browser, second)
    _, grant = await _rows(browser, second)
    assert len(browser.fake.revoked_tokens) == 1
    assert grant.status == "revoked"  # revoked at Xero, then shredded


async def test_a_xero_404_counts_as_done(browser: Browser) -> None:
    [connection_id] = await _connect(browser, "tenant-1")
    browser.fake.disconnect_in_xero("tenant-1")
    assert await _delete(browser, connection_id) == 204
    connection, _ = await _rows(browser, connection_id)
    assert connection.remote_delete_due_at is None
    assert connection.remote_deleted_at is not None


async def test_when_xero_fails_the_delete_is_owed_and_revocation_too(browser: Browser) -> None:
    first, second = await _connect(browser, "tenant-1", "tenant-2")
    browser.fake.fail_delete = "503"
    assert await _delete(browser, first) == 204
    connection, grant = await _rows(browser, first)
    assert connection.status == "disconnected"
    assert connection.remote_delete_due_at is not None
    assert grant.token_ciphertext is not None  # tenant-2 still needs it
    browser.fake.fail_revoke = "503"
    assert await _delete(browser, second) == 204
    connection, grant = await _rows(browser, second)
    assert connection.remote_delete_due_at is not None
    assert grant.revocation_due_at is not None
    assert grant.token_ciphertext is not None  # kept until a job revokes


async def test_a_successful_revocation_settles_an_owed_delete(browser: Browser) -> None:
    [connection_id] = await _connect(browser, "tenant-1")
    browser.fake.fail_delete = "timeout"
    assert await _delete(browser, connection_id) == 204
    connection, grant = await _rows(browser, connection_id)
    assert grant.status == "revoked"  # revoked at Xero, then shredded
    assert connection.remote_delete_due_at is None
    assert browser.fake.connections == {}


async def test_an_expired_access_token_is_refreshed_on_demand(browser: Browser) -> None:
    browser.fake.access_token_lifetime = 30  # expires inside the refresh margin
    [connection_id] = await _connect(browser, "tenant-1")
    browser.fake.access_token_lifetime = 1800
    assert await _delete(browser, connection_id) == 204
    grants = [r.get("grant_type") for r in browser.fake.token_requests]
    assert grants == ["authorization_code", "refresh_token"]
    assert len(browser.fake.deleted_connections) == 1


async def test_an_ops_key_may_disconnect_and_it_is_audited(browser: Browser) -> None:
    [connection_id] = await _connect(browser, "tenant-1")
    key = await make_api_key(browser.context, Role.OPS)
    response = await browser.client.delete(
        f"/v1/connections/{connection_id}", headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 204
    async with browser.context.session_factory() as session:
        events = (await session.scalars(select(AuditEvent).order_by(AuditEvent.at))).all()
    by_action = {e.action: e for e in events}
    assert by_action["connection.disconnect"].result == "ok"
    assert by_action["connection.disconnect"].actor.startswith("api_key:")
    assert by_action["grant.revoke"].result == "ok"


async def test_reconnecting_a_disconnected_organisation_revives_its_connection(
    browser: Browser,
) -> None:
    [connection_id] = await _connect(browser, "tenant-1")
    await _delete(browser, connection_id)
    [again] = await _connect(browser, "tenant-1")
    connection, grant = await _rows(browser, again)
    assert again == connection_id
    assert connection.status == "active"
    assert connection.disconnected_at is None
    assert grant.status == "active"
