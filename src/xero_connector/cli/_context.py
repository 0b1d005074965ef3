"""What the operator commands share: this process's context, the operator's view, errors.

The operator sees every workspace. An error the API would answer with is printed on stderr and
ends the command with exit code 1 for a 404 (no such id) and 2 otherwise.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.cli._db import announce_database
from xero_connector.context import AppContext, build_context
from xero_connector.db.unit_of_work import committing
from xero_connector.errors import AppError
from xero_connector.jobs.after_commit import enqueue_after_commit
from xero_connector.jobs.dispatch import Dispatcher
from xero_connector.jobs.inprocess import InProcessRunner
from xero_connector.settings import Settings

ConnectionId = Annotated[str, typer.Argument(metavar="CONNECTION_ID", help="The connection's id.")]

T = TypeVar("T")

ACTOR = "cli"
SOURCE = "cli"


def everyone(_workspace_id: str) -> bool:
    """The operator's visibility: every workspace."""
    return True


def run_in_context(work: Callable[[AppContext], Awaitable[T]]) -> T:
    """``work`` over this process's context (built from the settings, closed after)."""
    settings = Settings()
    announce_database(settings.database_url)

    async def run() -> T:
        context = build_context(settings)
        try:
            return await work(context)
        finally:
            await context.aclose()

    try:
        return asyncio.run(run())
    except AppError as error:
        typer.echo(f"error: {error.detail}", err=True)
        raise typer.Exit(1 if error.status == 404 else 2) from None


def job_dispatcher(context: AppContext) -> Dispatcher | None:
    """Where this command's jobs go: Redis' queue for the workers when configured.

    Without Redis (``dev``'s SQLite) this short-lived process runs no jobs: what is due stays in
    the rows, and the running ``dev``'s sweeper takes it up.
    """
    return None if isinstance(context.dispatcher, InProcessRunner) else context.dispatcher


@asynccontextmanager
async def writing_session(context: AppContext) -> AsyncIterator[AsyncSession]:
    """A session committed when the block succeeds, its jobs enqueued after the commit (as an
    API request's)."""
    async with (
        context.session_factory() as session,
        enqueue_after_commit(session, job_dispatcher(context)),
        committing(session),
    ):
        yield session
