"""The database of one CLI command: which one it is (said on stderr), and a committing session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.engine import make_engine, make_session_factory
from xero_connector.db.unit_of_work import committing
from xero_connector.redaction import redact_url


def announce_database(database_url: str) -> None:
    """Say which database the command acts on (on stderr, its password masked)."""
    typer.echo(f"database: {redact_url(database_url)}", err=True)


@asynccontextmanager
async def session_scope(database_url: str) -> AsyncIterator[AsyncSession]:
    """One session on a fresh engine; commit on success, roll back on error, dispose after."""
    engine = make_engine(database_url)
    try:
        async with make_session_factory(engine)() as session, committing(session):
            yield session
    finally:
        await engine.dispose()
