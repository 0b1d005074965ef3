"""A database session for one CLI command: committed when the block succeeds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.engine import make_engine, make_session_factory
from xero_connector.db.unit_of_work import committing


@asynccontextmanager
async def session_scope(database_url: str) -> AsyncIterator[AsyncSession]:
    """One session on a fresh engine; commit on success, roll back on error, dispose after."""
    engine = make_engine(database_url)
    try:
        async with make_session_factory(engine)() as session, committing(session):
            yield session
    finally:
        await engine.dispose()
