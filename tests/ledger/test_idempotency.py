"""Idempotency-Key on POST: replay, mismatch, in flight, scope, expiry, release after a failure."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.ledger.api_support import LedgerApi
from xero_connector.api.deps import CallerDep
from xero_connector.db.models import IdempotencyKey
from xero_connector.db.repos import idempotency
from xero_connector.errors import ServiceUnavailable

released = asyncio.Event()
entered = asyncio.Event()
calls: list[str] = []
router = APIRouter(prefix="/v1/test-idempotency")


@router.post("/slow")
async def slow(caller: CallerDep) -> dict[str, int]:
    calls.append(caller.actor)
    entered.set()
    await released.wait()
    return {"calls": len(calls)}


@router.post("/boom")
async def boom(caller: CallerDep) -> dict[str, str]:
    calls.append(caller.actor)
    raise ServiceUnavailable("not now")


def _contacts(*names: str) -> dict[str, list[dict[str, str]]]:
    return {"items": [{"external_id": name, "name": name} for name in names]}


async def test_the_same_key_and_body_get_the_first_answer_again(ledger_api: LedgerApi) -> None:
    connection_id = await ledger_api.connection()
    path = f"/v1/connections/{connection_id}/contacts"
    headers = ledger_api.service | {"Idempotency-Key": "batch-1"}
    first = await ledger_api.post(path, _contacts("c-1"), headers)
    assert first.status_code == 200
    assert "idempotent-replayed" not in first.headers
    again = await ledger_api.post(path, _contacts("c-1"), headers)
    assert again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert again.json()["items"][0]["result"] == "accepted"
    without = await ledger_api.post(path, _contacts("c-1"))
    assert without.json()["items"][0]["result"] == "unchanged"


async def test_the_same_key_with_another_body_is_422(ledger_api: LedgerApi) -> None:
    connection_id = await ledger_api.connection()
    path = f"/v1/connections/{connection_id}/contacts"
    headers = ledger_api.service | {"Idempotency-Key": "batch-1"}
    assert (await ledger_api.post(path, _contacts("c-1"), headers)).status_code == 200
    other = await ledger_api.post(path, _contacts("c-2"), headers)
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"


async def test_a_key_is_1_to_255_characters(ledger_api: LedgerApi) -> None:
    connection_id = await ledger_api.connection()
    path = f"/v1/connections/{connection_id}/contacts"
    for key in ("", "k" * 256):
        response = await ledger_api.post(
            path, _contacts("c-1"), ledger_api.service | {"Idempotency-Key": key}
        )
        assert response.status_code == 422
    ok = ledger_api.service | {"Idempotency-Key": "k" * 255}
    assert (await ledger_api.post(path, _contacts("c-1"), ok)).status_code == 200


async def test_keys_are_per_caller(ledger_api: LedgerApi) -> None:
    connection_id = await ledger_api.connection()
    path = f"/v1/connections/{connection_id}/contacts"
    await ledger_api.post(path, _contacts("c-1"), ledger_api.service | {"Idempotency-Key": "k"})
    other = await ledger_api.key()
    response = await ledger_api.post(path, _contacts("c-1"), other | {"Idempotency-Key": "k"})
    assert "idempotent-replayed" not in response.headers
    assert response.json()["items"][0]["result"] == "unchanged"


async def test_while_the_first_request_runs_the_same_key_is_409(ledger_api: LedgerApi) -> None:
    ledger_api.app.include_router(router)
    released.clear()
    entered.clear()
    calls.clear()
    headers = ledger_api.service | {"Idempotency-Key": "slow-1"}
    first = asyncio.create_task(ledger_api.post("/v1/test-idempotency/slow", {}, headers))
    await asyncio.wait_for(entered.wait(), timeout=10)
    second = await ledger_api.post("/v1/test-idempotency/slow", {}, headers)
    assert second.status_code == 409
    assert second.json()["code"] == "idempotency_key_in_use"
    released.set()
    assert (await first).json() == {"calls": 1}
    third = await ledger_api.post("/v1/test-idempotency/slow", {}, headers)
    assert (third.status_code, third.json()) == (200, {"calls": 1})
    assert len(calls) == 1


async def test_a_first_request_answered_5xx_does_not_hold_the_key(ledger_api: LedgerApi) -> None:
    ledger_api.app.include_router(router)
    calls.clear()
    headers = ledger_api.service | {"Idempotency-Key": "boom-1"}
    for _ in range(2):
        response = await ledger_api.post("/v1/test-idempotency/boom", {}, headers)
        assert response.status_code == 503
    assert len(calls) == 2


async def test_a_key_expires_after_24_hours_and_a_dead_first_request_goes_stale(
    any_session: AsyncSession,
) -> None:
    now = datetime.now(UTC)
    ttl = timedelta(hours=24)

    async def claim(at: datetime, digest: str = "h1") -> idempotency.Claim:
        result = await idempotency.claim(
            any_session,
            scope="api_key:x|*",
            key="k",
            request_hash=digest,
            now=at,
            ttl=ttl,
            stale_before=at - timedelta(minutes=5),
        )
        await any_session.commit()
        return result

    first = await claim(now)
    assert first.outcome == "new"
    assert (await claim(now + timedelta(minutes=1))).outcome == "running"
    assert (await claim(now + timedelta(minutes=6))).outcome == "new"
    await idempotency.store_response(any_session, first.key_id, status=200, headers=[], body=b"{}")
    await any_session.commit()
    later = now + timedelta(minutes=7)
    assert (await claim(later)).outcome == "replay"
    assert (await claim(later, "h2")).outcome == "mismatch"
    assert (await claim(now + timedelta(hours=25), "h2")).outcome == "new"


async def test_a_new_claim_forgets_its_scopes_keys_past_their_24_hours(
    any_session: AsyncSession,
) -> None:
    now = datetime.now(UTC)

    async def claim(key: str, at: datetime, scope: str = "api_key:y|*") -> None:
        await idempotency.claim(
            any_session,
            scope=scope,
            key=key,
            request_hash="h",
            now=at,
            ttl=timedelta(hours=24),
            stale_before=at,
        )
        await any_session.commit()

    await claim("old", now - timedelta(hours=25))
    await claim("other-scope", now - timedelta(hours=25), scope="api_key:z|*")
    await claim("recent", now - timedelta(hours=1))
    await claim("new", now)
    keys = await any_session.scalars(
        select(IdempotencyKey.key)
        .where(IdempotencyKey.scope.in_(["api_key:y|*", "api_key:z|*"]))
        .order_by(IdempotencyKey.key)
    )
    assert list(keys) == ["new", "other-scope", "recent"]
