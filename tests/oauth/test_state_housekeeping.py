"""Pending states do not pile up (issue 7, defect 11): the sweeper deletes stale ones, a used one
keeps no sealed secret, and a state nobody issued leaves no audit row behind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from tests.connections.helpers import sweep_at
from tests.connector_app import Browser, outcome_of, state_of
from tests.fake_xero import Tenant
from xero_connector.db.models import AuditEvent, OAuthState

ONE = Tenant("tenant-1", "Demo Company (NZ)")


async def _states(browser: Browser) -> list[OAuthState]:
    async with browser.context.session_factory() as session:
        query = select(OAuthState).execution_options(populate_existing=True)
        return list((await session.scalars(query)).all())


async def test_the_sweeper_deletes_states_long_expired_and_keeps_pending_ones(
    browser: Browser,
) -> None:
    await browser.authorize_url()
    await sweep_at(browser, datetime.now(UTC))
    assert len(await _states(browser)) == 1  # still pending

    await sweep_at(browser, datetime.now(UTC) + timedelta(days=2))
    assert await _states(browser) == []


async def test_a_used_state_keeps_no_sealed_verifier_or_nonce(browser: Browser) -> None:
    url = await browser.authorize_url()
    code = browser.fake.consent(url, [ONE])
    assert outcome_of(await browser.callback(code=code, state=state_of(url)))["status"] == (
        "connected"
    )
    [state] = await _states(browser)
    assert state.consumed_at is not None
    assert (state.secret_ciphertext, state.data_key_wrapped, state.kek_id) == (None, None, None)


async def test_a_state_that_failed_keeps_no_sealed_secret_either(browser: Browser) -> None:
    url = await browser.authorize_url()
    await browser.callback(error="access_denied", state=state_of(url))
    [state] = await _states(browser)
    assert (state.secret_ciphertext, state.data_key_wrapped) == (None, None)


async def test_callbacks_with_unknown_states_write_no_audit_rows(browser: Browser) -> None:
    for n in range(3):
        response = await browser.callback(code="c", state=f"forged-{n}")
        assert response.status_code == 400
    async with browser.context.session_factory() as session:
        count = await session.scalar(select(func.count()).select_from(AuditEvent))
    assert count == 1  # the test's own API key; no callback row
