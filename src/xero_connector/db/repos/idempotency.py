"""SQL for ``idempotency_keys``: claim a key for a request, keep its response, replay it.

A claim is one insert that loses cleanly to a concurrent one (the unique ``(scope, key)``); taking
over an expired key, or one whose first request died without an answer (``stale_before``), is a
compare-and-set on the row's ``created_at``, so of two takers only one wins. A new claim also
deletes its scope's expired keys, so the table holds about one day of keys per caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.base import new_id
from xero_connector.db.models import IdempotencyKey


@dataclass(frozen=True)
class Claim:
    """``new``: run the request (``key_id`` to store its answer); ``replay``: answer ``row``'s
    response; ``mismatch``: the key was used for another request; ``running``: not answered yet."""

    outcome: Literal["new", "replay", "mismatch", "running"]
    key_id: str
    row: IdempotencyKey | None = None


async def claim(
    session: AsyncSession,
    *,
    scope: str,
    key: str,
    request_hash: str,
    now: datetime,
    ttl: timedelta,
    stale_before: datetime,
) -> Claim:
    """Claim ``key`` in ``scope`` for the request hashed ``request_hash`` (the caller commits)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    key_id = new_id()
    inserted = await session.scalar(
        insert(IdempotencyKey)
        .values(
            id=key_id,
            scope=scope,
            key=key,
            request_hash=request_hash,
            created_at=now,
            expires_at=now + ttl,
        )
        .on_conflict_do_nothing(index_elements=[IdempotencyKey.scope, IdempotencyKey.key])
        .returning(IdempotencyKey.id)
    )
    if inserted is not None:
        # The scope's expired keys go as new ones come (the unique index starts with the scope).
        await session.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.scope == scope, IdempotencyKey.expires_at <= now
            )
        )
        return Claim("new", key_id)
    row = await session.scalar(
        select(IdempotencyKey)
        .where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
        .execution_options(populate_existing=True)
    )
    if row is None:  # expired and purged between the two statements: claim again
        return await claim(
            session,
            scope=scope,
            key=key,
            request_hash=request_hash,
            now=now,
            ttl=ttl,
            stale_before=stale_before,
        )
    abandoned = row.response_status is None and row.created_at < stale_before
    if row.expires_at <= now or abandoned:
        taken = await session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.id == row.id, IdempotencyKey.created_at == row.created_at)
            .values(
                request_hash=request_hash,
                created_at=now,
                expires_at=now + ttl,
                response_status=None,
                response_headers=None,
                response_body=None,
            )
            .execution_options(synchronize_session=False)
        )
        if getattr(taken, "rowcount", 0) == 1:
            return Claim("new", row.id)
        return Claim("running", row.id)
    if row.request_hash != request_hash:
        return Claim("mismatch", row.id, row)
    if row.response_status is None:
        return Claim("running", row.id, row)
    return Claim("replay", row.id, row)


async def store_response(
    session: AsyncSession, key_id: str, *, status: int, headers: list[list[str]], body: bytes
) -> None:
    await session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == key_id)
        .values(response_status=status, response_headers=headers, response_body=body)
        .execution_options(synchronize_session=False)
    )


async def release(session: AsyncSession, key_id: str) -> None:
    """Forget a claim whose request failed (5xx or an exception): a retry may run it again."""
    await session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == key_id))
