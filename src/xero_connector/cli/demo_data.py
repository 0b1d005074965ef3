"""``xero-connector demo-data``: ingest the demo dataset for a workspace's connections.

The records go through the ingestion service ``POST /v1/connections/{id}/contacts|invoices|
bank-transactions`` uses, one transaction per connection, and ask for a sync as ingestion does.
With Redis the run's job is enqueued for the workers after the commit; on ``dev``'s SQLite this
process runs no jobs, so the running ``dev``'s sweeper starts the run (within
XERO_CONNECTOR_SWEEP_INTERVAL_SECONDS). Loading the set again changes nothing (``unchanged``).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Annotated

import typer

from xero_connector.auth.dev_jwt import DEMO_WORKSPACE_ID
from xero_connector.cli._db import announce_database
from xero_connector.connections import get_connection, list_connections
from xero_connector.context import AppContext, build_context
from xero_connector.db.models import Connection
from xero_connector.db.unit_of_work import committing
from xero_connector.demo_dataset import dataset
from xero_connector.errors import AppError
from xero_connector.jobs.after_commit import AfterCommitJobs, attach
from xero_connector.jobs.inprocess import InProcessRunner
from xero_connector.ledger.ingest import ingest
from xero_connector.ledger.sync_request import debounced
from xero_connector.settings import Settings

KIND_OF = {"contacts": "contact", "invoices": "invoice", "bank_transactions": "bank_transaction"}


async def _targets(context: AppContext, workspace: str, connection_id: str | None) -> list[str]:
    async with context.session_factory() as session:
        if connection_id is not None:
            row = await get_connection(session, connection_id, visible=lambda w: w == workspace)
            rows: list[Connection] = [row]
        else:
            rows = list(
                (
                    await list_connections(session, workspace_id=workspace, cursor=None, limit=200)
                ).items
            )
    return [row.id for row in rows if row.status == "active"]


async def load_demo_data(context: AppContext, connection_id: str) -> Counter[str]:
    """Ingest the whole dataset into one connection; how many items had each result."""
    # In-process jobs would die with this process: leave the queued run to dev's sweeper.
    dispatcher = None if isinstance(context.dispatcher, InProcessRunner) else context.dispatcher
    request_sync = debounced(context.sync_debounce_seconds)
    results: Counter[str] = Counter()
    async with context.session_factory() as session:
        jobs = AfterCommitJobs(session, dispatcher) if dispatcher is not None else None
        attach(session, jobs)
        try:
            async with committing(session):
                for part, items in dataset().items():
                    outcomes = await ingest(
                        session,
                        connection_id=connection_id,
                        kind=KIND_OF[part],
                        raw_items=items,
                        request_sync=request_sync,
                    )
                    results.update(outcome.result for outcome in outcomes)
        finally:
            if jobs is not None:
                await jobs.flush()
                jobs.close()
    return results


def demo_data(
    workspace: Annotated[
        str, typer.Option("--workspace", help="The workspace whose connections get the data.")
    ] = DEMO_WORKSPACE_ID,
    connection: Annotated[
        str | None, typer.Option("--connection", help="Only this connection (its id).")
    ] = None,
) -> None:
    """Load a demo set of contacts, invoices and bank transactions.

    The set goes into every active connection of the workspace (dev's page signs in as
    demo-workspace) and a sync is requested, as the ingestion API does. Loading it again
    changes nothing.
    """
    settings = Settings()
    announce_database(settings.database_url)

    async def run() -> list[tuple[str, Counter[str]]]:
        context = build_context(settings)
        try:
            targets = await _targets(context, workspace, connection)
            return [(target, await load_demo_data(context, target)) for target in targets]
        finally:
            await context.aclose()

    try:
        loaded = asyncio.run(run())
    except AppError as error:
        typer.echo(f"error: {error.detail}", err=True)
        raise typer.Exit(1 if error.status == 404 else 2) from None
    if not loaded:
        typer.echo(
            f"error: workspace {workspace} has no active connection; connect first", err=True
        )
        raise typer.Exit(1)
    for target, results in loaded:
        summary = ", ".join(f"{count} {result}" for result, count in sorted(results.items()))
        typer.echo(f"connection {target}: {summary}")


def register(app: typer.Typer) -> None:
    app.command("demo-data")(demo_data)
