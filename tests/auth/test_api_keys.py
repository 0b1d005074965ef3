"""API keys: recognisable, stored hashed, revocable, used-at recorded sparingly."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.auth.api_keys import (
    hash_key,
    issue_api_key,
    issue_dev_demo_key,
    revoke_api_key,
    rotate_dev_key,
    verify_api_key,
)
from xero_connector.auth.policy import Role
from xero_connector.db.base import utcnow
from xero_connector.db.models import ApiKey, AuditEvent
from xero_connector.errors import InvalidInput, NotFound


async def issue(session: AsyncSession, **kwargs: object) -> tuple[ApiKey, str]:
    params: dict[str, object] = {
        "name": "svc",
        "role": Role.SERVICE,
        "workspace_id": None,
        "actor": "test",
        "source": "test",
    }
    params.update(kwargs)
    issued = await issue_api_key(session, **params)  # type: ignore[arg-type]
    return issued.row, issued.key


async def test_a_key_is_recognisable_and_only_its_hash_is_stored(session: AsyncSession) -> None:
    row, key = await issue(session)
    assert key.startswith(f"xck_{row.prefix}_")
    assert len(key) > 50
    assert row.key_hash == hash_key(key)
    assert key not in repr(row)


async def test_the_issued_key_repr_hides_the_key(session: AsyncSession) -> None:
    issued = await issue_api_key(
        session, name="svc", role=Role.OPS, workspace_id=None, actor="t", source="t"
    )
    assert issued.key not in repr(issued)


async def test_verify_finds_the_key_and_rejects_others(session: AsyncSession) -> None:
    row, key = await issue(session)
    found = await verify_api_key(session, key)
    assert found is not None
    assert found.id == row.id
    assert await verify_api_key(session, key + "x") is None
    assert await verify_api_key(session, "xck_short") is None


async def test_a_revoked_key_no_longer_verifies(session: AsyncSession) -> None:
    row, key = await issue(session)
    await revoke_api_key(session, row.id, actor="t", source="t")
    assert await verify_api_key(session, key) is None


async def test_revoking_an_unknown_key_is_404(session: AsyncSession) -> None:
    with pytest.raises(NotFound):
        await revoke_api_key(session, "nope", actor="t", source="t")


async def test_last_used_is_written_at_most_every_few_minutes(session: AsyncSession) -> None:
    row, key = await issue(session)
    await verify_api_key(session, key)
    await session.refresh(row)
    first = row.last_used_at
    assert first is not None
    await verify_api_key(session, key)
    await session.refresh(row)
    assert row.last_used_at == first
    row.last_used_at = utcnow() - timedelta(minutes=10)
    await session.flush()
    await verify_api_key(session, key)
    await session.refresh(row)
    assert row.last_used_at is not None
    assert row.last_used_at > first - timedelta(minutes=1)


async def test_dashboard_is_not_a_key_role(session: AsyncSession) -> None:
    with pytest.raises(InvalidInput):
        await issue(session, role=Role.DASHBOARD)


async def test_a_fresh_dev_key_revokes_the_previous_one(session: AsyncSession) -> None:
    first = await rotate_dev_key(session, source="dev")
    second = await rotate_dev_key(session, source="dev")
    assert await verify_api_key(session, first.key) is None
    assert await verify_api_key(session, second.key) is not None
    assert second.row.is_dev
    # Two events of one call may share a timestamp: compare the set, not an order by time.
    actions = (await session.execute(select(AuditEvent.action))).all()
    assert sorted(a for (a,) in actions) == ["api_key.create", "api_key.create", "api_key.revoke"]


async def test_the_pages_demo_key_is_bound_to_its_workspace_and_goes_with_the_next_dev(
    session: AsyncSession,
) -> None:
    await rotate_dev_key(session, source="dev")
    demo = await issue_dev_demo_key(session, workspace_id="demo-workspace", source="dev")
    row = await verify_api_key(session, demo.key)
    assert row is not None
    assert (row.role, row.workspace_id, row.is_dev) == ("service", "demo-workspace", True)
    await rotate_dev_key(session, source="dev")
    assert await verify_api_key(session, demo.key) is None
