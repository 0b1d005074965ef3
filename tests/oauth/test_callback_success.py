"""The callback's happy paths: one and two organisations, no return_url, reconnect."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from tests.connector_app import Browser, outcome_of, state_of
from tests.fake_xero import Tenant
from xero_connector.db.models import AuditEvent, Connection, XeroGrant
from xero_connector.tokens.sealing import open_tokens

ONE = Tenant("tenant-1", "Demo Company (NZ)")
TWO = Tenant("tenant-2", "Second Ltd", "ORGANISATION")


async def _rows(browser: Browser) -> tuple[list[Connection], list[XeroGrant]]:
    async with browser.context.session_factory() as session:
        connections = await session.scalars(select(Connection).order_by(Connection.tenant_id))
        grants = await session.scalars(select(XeroGrant).order_by(XeroGrant.created_at))
        return list(connections.all()), list(grants.all())


async def test_one_organisation_connects_and_redirects_with_its_id(browser: Browser) -> None:
    response = await browser.connect([ONE])
    outcome = outcome_of(response)
    [connection], [grant] = await _rows(browser)
    assert outcome == {"tab": "connections", "status": "connected", "connection_ids": connection.id}
    assert response.headers["referrer-policy"] == "no-referrer"
    assert connection.workspace_id == "ws-1"
    assert (connection.tenant_id, connection.tenant_name) == ("tenant-1", "Demo Company (NZ)")
    assert connection.status == "active"
    assert connection.grant_id == grant.id
    xero_side = next(iter(browser.fake.connections.values()))
    assert connection.xero_connection_id == xero_side["id"]
    assert grant.xero_user_id == browser.fake.user_id


async def test_the_grant_is_stored_encrypted_and_decrypts_only_as_itself(browser: Browser) -> None:
    await browser.connect([ONE])
    _, [grant] = await _rows(browser)
    assert browser.context.vault is not None
    tokens = open_tokens(browser.context.vault, grant)
    assert tokens.refresh_token in browser.fake.refresh_tokens
    assert grant.token_ciphertext is not None
    assert tokens.refresh_token.encode() not in grant.token_ciphertext
    assert grant.access_expires_at == tokens.expires_at


async def test_a_new_grant_counts_as_in_use_so_refresh_ahead_looks_after_it(
    browser: Browser,
) -> None:
    await browser.connect([ONE])
    _, [grant] = await _rows(browser)
    assert grant.last_used_at is not None
    assert grant.last_used_at == grant.created_at


async def test_two_organisations_become_two_connections(browser: Browser) -> None:
    response = await browser.connect([ONE, TWO])
    ids = outcome_of(response)["connection_ids"].split(",")
    connections, grants = await _rows(browser)
    assert sorted(ids) == sorted(c.id for c in connections)
    assert [c.tenant_id for c in connections] == ["tenant-1", "tenant-2"]
    assert len(grants) == 1
    assert {c.grant_id for c in connections} == {grants[0].id}


async def test_only_the_organisations_of_this_consent_are_added(browser: Browser) -> None:
    await browser.connect([ONE], workspace_id="ws-other")
    response = await browser.connect([TWO], workspace_id="ws-1")
    [added] = outcome_of(response)["connection_ids"].split(",")
    connections, _ = await _rows(browser)
    by_workspace = {(c.workspace_id, c.tenant_id) for c in connections}
    assert by_workspace == {("ws-other", "tenant-1"), ("ws-1", "tenant-2")}
    assert added == next(c.id for c in connections if c.workspace_id == "ws-1")


async def test_without_return_url_a_page_names_the_outcome_and_posts_to_the_opener(
    browser: Browser,
) -> None:
    url = await browser.authorize_url(return_url=None)
    code = browser.fake.consent(url, [ONE])
    response = await browser.callback(code=code, state=state_of(url))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    [connection], _ = await _rows(browser)
    match = re.search(r"var message = (\{.*?\});", response.text)
    assert match is not None
    assert json.loads(match.group(1)) == {
        "source": "xero-connector",
        "status": "connected",
        "connection_ids": [connection.id],
    }
    assert "window.opener.postMessage" in response.text
    assert "Connected to Xero" in response.text
    assert "<link" not in response.text
    assert "src=" not in response.text


async def test_reconnecting_keeps_the_connection_id_and_replaces_the_grant(
    browser: Browser,
) -> None:
    first = outcome_of(await browser.connect([ONE]))["connection_ids"]
    _, [old_grant] = await _rows(browser)
    second = outcome_of(await browser.connect([ONE]))["connection_ids"]
    [connection], grants = await _rows(browser)
    assert first == second == connection.id
    new_grant = next(g for g in grants if g.id != old_grant.id)
    assert connection.grant_id == new_grant.id
    old = next(g for g in grants if g.id == old_grant.id)
    assert old.status == "shredded"
    assert old.token_ciphertext is None
    assert old.data_key_wrapped is None
    # Destroyed locally but never revoked: that would remove the new consent's connections.
    assert browser.fake.revoked_tokens == []
    assert new_grant.status == "active"
    assert new_grant.token_ciphertext is not None


async def test_reconnecting_one_of_two_organisations_keeps_the_shared_grant(
    browser: Browser,
) -> None:
    await browser.connect([ONE, TWO])
    _, [shared] = await _rows(browser)
    await browser.connect([ONE])
    connections, grants = await _rows(browser)
    old = next(g for g in grants if g.id == shared.id)
    assert old.status == "active"
    assert old.token_ciphertext is not None
    assert {c.tenant_id: c.grant_id == shared.id for c in connections} == {
        "tenant-1": False,
        "tenant-2": True,
    }


async def test_a_successful_callback_is_audited_without_secrets(browser: Browser) -> None:
    url = await browser.authorize_url()
    code = browser.fake.consent(url, [ONE])
    await browser.callback(code=code, state=state_of(url))
    async with browser.context.session_factory() as session:
        events = list(await session.scalars(select(AuditEvent).order_by(AuditEvent.at)))
    actions = [(e.action, e.result, e.actor) for e in events if e.action.startswith("connect")]
    assert actions[-2][0:2] == ("connect.start", "ok")
    assert actions[-1] == ("connect.callback", "connected", "xero-callback")
    text = repr([(e.detail, e.target, e.source) for e in events])
    assert code not in text
    assert state_of(url) not in text
