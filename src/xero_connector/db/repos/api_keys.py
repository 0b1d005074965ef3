"""SQL for ``api_keys``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.models import ApiKey


async def add_api_key(
    session: AsyncSession,
    *,
    name: str,
    role: str,
    workspace_id: str | None,
    prefix: str,
    key_hash: str,
    is_dev: bool = False,
) -> ApiKey:
    """Insert a key row (the hash only, never the key)."""
    row = ApiKey(
        name=name,
        role=role,
        workspace_id=workspace_id,
        prefix=prefix,
        key_hash=key_hash,
        is_dev=is_dev,
    )
    session.add(row)
    await session.flush()
    return row


async def get_api_key(session: AsyncSession, key_id: str) -> ApiKey | None:
    return await session.get(ApiKey, key_id)


async def get_api_key_by_prefix(session: AsyncSession, prefix: str) -> ApiKey | None:
    result = await session.execute(select(ApiKey).where(ApiKey.prefix == prefix))
    return result.scalar_one_or_none()


async def list_api_keys(session: AsyncSession) -> Sequence[ApiKey]:
    """All keys, oldest first, revoked ones included."""
    result = await session.execute(select(ApiKey).order_by(ApiKey.created_at, ApiKey.id))
    return result.scalars().all()


async def revoke_api_key(session: AsyncSession, key: ApiKey, at: datetime) -> None:
    key.revoked_at = at
    await session.flush()


async def list_live_dev_keys(session: AsyncSession) -> Sequence[ApiKey]:
    """The dev keys that ``dev`` created and that are not revoked yet."""
    result = await session.execute(
        select(ApiKey).where(ApiKey.is_dev.is_(True), ApiKey.revoked_at.is_(None))
    )
    return result.scalars().all()


async def touch_api_key(session: AsyncSession, key_id: str, at: datetime) -> None:
    """Record a use of the key."""
    await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=at))
