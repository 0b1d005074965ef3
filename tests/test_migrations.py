"""The Alembic history and the models agree, on Postgres and on SQLite."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from xero_connector.db.base import Base
from xero_connector.db.engine import make_engine


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_postgres_schema_matches_models(pg_url: str) -> None:
    engine = make_engine(pg_url)
    async with engine.connect() as connection:
        assert await connection.run_sync(_diff) == []
    await engine.dispose()


async def test_sqlite_schema_matches_models(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    async with engine.connect() as connection:
        assert await connection.run_sync(_diff) == []
    await engine.dispose()
