"""What a disconnect owes Xero stays in the rows until it is done or given up (issue 7).

Defect 1: a grant's end is owed from the disconnect's own transaction, so a step that dies after
it leaves work the sweeper finds. Defect 3: the Xero DELETE is sent only for the row as it is
after the disconnect committed, never for a connection a reconnect re-made meanwhile. Defect 4:
owed deletes and revocations count their attempts, back off, and give up with an audit event.
"""

from __future__ import annotations

import contextlib
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.connections.helpers import audit_events, connect, delete, rows, sweep_at
from tests.connector_app import Browser
from xero_connector.db.models import Connection
from xero_connector.jobs import ids

LATER = timedelta(hours=1)  # past any first backoff, short of the keep-alive


async def test_a_grant_whose_end_died_mid_disconnect_is_still_owed_and_the_sweeper_ends_it(
    browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    [connection_id] = await connect(browser, "ws-1", "tenant-1")
    tokens = browser.context.token_service
    assert tokens is not None
    real_forget = tokens.forget_grant
    calls = 0

    async def forget_dies_once(grant_id: str, *, revoke: bool) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:  # not an AppError: a bug, or the process killed at this point
            raise RuntimeError("the grant's end died")
        await real_forget(grant_id, revoke=revoke)

    monkeypatch.setattr(tokens, "forget_grant", forget_dies_once)
    with contextlib.suppress(RuntimeError):
        await delete(browser, connection_id)
    _, grant = await rows(browser, connection_id)
    assert grant.token_ciphertext is not None  # the step died before the grant was ended

    await sweep_at(browser, datetime.now(UTC) + LATER)

    _, grant = await rows(browser, connection_id)
    assert (grant.status, grant.token_ciphertext, grant.data_key_wrapped) == ("revoked", None, None)
    assert grant.revocation_due_at is None
    assert len(browser.fake.revoked_tokens) == 1


async def test_a_reconnect_right_after_the_disconnect_commit_keeps_its_xero_connection(
    browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _second = await connect(browser, "ws-1", "tenant-1", "tenant-2")
    before, _ = await rows(browser, first)
    real_commit = AsyncSession.commit
    armed = True

    async def commit_then_reconnect(self: AsyncSession) -> None:
        nonlocal armed
        await real_commit(self)
        if not armed:
            return
        async with browser.context.session_factory() as reader:
            row = await reader.get(Connection, first, populate_existing=True)
            disconnected = row is not None and row.status == "disconnected"
        if disconnected:  # the disconnect just committed: the user reconnects at once
            armed = False
            await connect(browser, "ws-1", "tenant-1")

    monkeypatch.setattr(AsyncSession, "commit", commit_then_reconnect)
    assert await delete(browser, first) == 204
    monkeypatch.undo()

    assert not armed
    connection, grant = await rows(browser, first)
    assert (connection.status, grant.status) == ("active", "active")
    assert connection.xero_connection_id == before.xero_connection_id
    assert browser.fake.deleted_connections == []
    assert before.xero_connection_id in browser.fake.connections


async def _sweep_until_settled(browser: Browser, connection_id: str) -> list[datetime]:
    """Sweep at each due time the rows name; the due times seen, until nothing is owed."""
    seen: list[datetime] = []
    for _ in range(60):
        connection, grant = await rows(browser, connection_id)
        due = connection.remote_delete_due_at or grant.revocation_due_at
        if due is None:
            return seen
        seen.append(due)
        await sweep_at(browser, max(due, datetime.now(UTC)) + timedelta(seconds=1))
    raise AssertionError(f"still owed after 60 sweeps; due times {seen[-3:]}")


def _gaps(times: list[datetime]) -> list[float]:
    return [(b - a).total_seconds() for a, b in itertools.pairwise(times)]


async def test_an_owed_delete_backs_off_and_is_given_up_with_an_audit_event(
    browser: Browser,
) -> None:
    first, _second = await connect(browser, "ws-1", "tenant-1", "tenant-2")
    browser.fake.fail_delete = "503"  # for good
    assert await delete(browser, first) == 204

    due_times = await _sweep_until_settled(browser, first)

    gaps = _gaps(due_times)
    assert len(gaps) >= 3
    assert gaps[0] >= 10  # a pause, not every sweep
    assert gaps[-1] > 2 * gaps[0]  # and a growing one
    connection, grant = await rows(browser, first)
    assert connection.remote_deleted_at is None
    assert grant.token_ciphertext is not None  # tenant-2 still uses the grant
    [event] = await audit_events(browser, "connection.remote_delete")
    detail: dict[str, Any] = event.detail or {}
    assert (event.result, event.target) == ("gave_up", f"connection:{first}")
    assert detail["attempts"] == 1 + len(due_times)  # the request's own try, then each due


async def test_an_owed_revocation_is_given_up_and_the_grant_destroyed_here(
    browser: Browser,
) -> None:
    [connection_id] = await connect(browser, "ws-1", "tenant-1")
    browser.fake.fail_revoke = "503"  # for good; the delete itself succeeds
    assert await delete(browser, connection_id) == 204

    due_times = await _sweep_until_settled(browser, connection_id)

    assert len(due_times) >= 3
    _, grant = await rows(browser, connection_id)
    assert (grant.status, grant.token_ciphertext, grant.data_key_wrapped) == (
        "shredded",
        None,
        None,
    )
    results = [e.result for e in await audit_events(browser, "grant.revoke")]
    assert results[0] == "revocation_owed"
    assert results[-1] == "gave_up"


class _Recorder:
    """Records what is enqueued, but the settings pulls every connect enqueues."""

    def __init__(self) -> None:
        self.jobs: list[tuple[str, tuple[Any, ...]]] = []

    async def enqueue(self, job: str, *args: Any, job_id: str, defer_until: Any = None) -> bool:
        if job != ids.PULL_SETTINGS:
            self.jobs.append((job, args))
        return True


async def test_a_reconnect_while_the_xero_delete_is_in_flight_gets_its_organisations_checked(
    browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _second = await connect(browser, "ws-1", "tenant-1", "tenant-2")
    identity = browser.context.xero_identity
    assert identity is not None
    real_delete = identity.delete_connection

    async def reconnect_then_delete(access_token: str, xero_connection_id: str) -> None:
        await connect(browser, "ws-1", "tenant-1")  # lands before Xero handles our DELETE
        await real_delete(access_token, xero_connection_id)

    monkeypatch.setattr(identity, "delete_connection", reconnect_then_delete)
    recorder = _Recorder()
    browser.context.dispatcher = recorder
    assert await delete(browser, first) == 204

    connection, grant = await rows(browser, first)
    assert connection.status == "active"  # the re-made row is not settled as deleted
    assert connection.remote_deleted_at is None
    assert recorder.jobs == [(ids.CHECK_CONNECTIONS, (grant.id,))]
