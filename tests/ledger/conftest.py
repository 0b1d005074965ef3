"""Ledger fixtures: a session on Postgres (rolled back) or on a fresh SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from tests.ledger.api_support import ledger_api, ledger_pg_url
from xero_connector.db.engine import make_engine, make_session_factory


@pytest.fixture(params=["postgres", "sqlite"])
async def any_session(
    request: pytest.FixtureRequest, db_connection: AsyncConnection, sqlite_url: str
) -> AsyncIterator[AsyncSession]:
    """The same test on both databases (Postgres inside the test's rolled-back transaction)."""
    if request.param == "postgres":
        async with AsyncSession(
            bind=db_connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        ) as pg_session:
            yield pg_session
        return
    engine = make_engine(sqlite_url)
    async with make_session_factory(engine)() as sqlite_session:
        yield sqlite_session
    await engine.dispose()


__all__ = ["any_session", "ledger_api", "ledger_pg_url"]
