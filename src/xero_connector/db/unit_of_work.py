"""The one place a session's work is committed: on success, or rolled back on any error."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession


@asynccontextmanager
async def committing(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """Commit ``session`` when the block succeeds; roll it back when anything escapes it."""
    try:
        yield session
    except BaseException:
        await session.rollback()
        raise
    await session.commit()
