"""Shared fixtures: a fresh Postgres database per test session, migrated with Alembic.

Postgres is reached at ``XERO_CONNECTOR_TEST_PG`` (default: the local trust-auth server). Each test
session creates its own database, so parallel runs never collide; ``make_database`` gives
multi-process tests a database of their own.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from xero_connector.db.engine import make_engine
from xero_connector.db.migrate import upgrade

PG_ADMIN_DSN = os.environ.get(
    "XERO_CONNECTOR_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("XERO_CONNECTOR_TEST_REDIS", "redis://127.0.0.1:6379/0")
SHARED_DIR = Path(__file__).resolve().parents[2] / "shared"
XERO_OPENAPI_DIR = SHARED_DIR / "xero-openapi"

MakeDatabase = Callable[[], Awaitable[str]]

# The token-layer fixtures serve the tokens, jobs and metrics tests alike.
pytest_plugins = ["tests.tokens.fixtures"]


def _async_url(dsn: str, database: str) -> str:
    base = dsn.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{database}"


@pytest.fixture(scope="session")
async def make_database() -> AsyncIterator[MakeDatabase]:
    """A factory of fresh, migrated Postgres databases, all dropped at the end of the session."""
    created: list[str] = []

    async def make() -> str:
        name = f"xc_test_{uuid.uuid4().hex[:12]}"
        admin = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        created.append(name)
        url = _async_url(PG_ADMIN_DSN, name)
        await upgrade(url)
        return url

    yield make
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        for name in created:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="session")
async def pg_url(make_database: MakeDatabase) -> str:
    """The session's shared Postgres database."""
    return await make_database()


@pytest.fixture(scope="session")
async def pg_engine(pg_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(pg_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def db_connection(pg_engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection inside a transaction that is rolled back after the test."""
    async with pg_engine.connect() as connection:
        transaction = await connection.begin()
        yield connection
        await transaction.rollback()


@pytest.fixture
async def session(db_connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    """A session whose commits become savepoints of the test's rolled-back transaction."""
    async with AsyncSession(
        bind=db_connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    ) as db_session:
        yield db_session


@pytest.fixture
async def sqlite_url(tmp_path: Path) -> str:
    """A fresh, migrated SQLite database file."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    await upgrade(url)
    return url
