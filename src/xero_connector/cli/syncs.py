"""``xero-connector sync start|status|list``: sync runs at a terminal.

The same services as ``POST /v1/connections/{id}/sync``, ``GET /v1/syncs/{run_id}`` and ``GET
/v1/connections/{id}/syncs``, the same fields (a table, or the REST API's JSON with
``--json``), every workspace visible. A started run's first slice is enqueued for the workers
with Redis; without (``dev``), the running ``dev``'s sweeper starts it.
"""

from __future__ import annotations

from typing import Annotated

import typer

from xero_connector.api.sync_schemas import SyncRunOut, SyncRunPage
from xero_connector.cli._context import ConnectionId, everyone, run_in_context, writing_session
from xero_connector.cli.output import JsonFlag, cell, print_json, print_table
from xero_connector.connections import get_connection
from xero_connector.context import AppContext
from xero_connector.sync.views import COUNTERS, list_connection_runs, read_run, start_sync

RUN_COLUMNS = ("id", "trigger", "status", "progress", "created_at", "finished_at", "error")
RUN_FIELDS = (
    "id",
    "connection_id",
    "trigger",
    "status",
    "progress",
    "created_at",
    "started_at",
    "finished_at",
    "error",
)

sync_app = typer.Typer(
    no_args_is_help=True,
    help="Sync runs pushing records to Xero: start, status, list.",
    rich_markup_mode=None,
)


def run_row(run: SyncRunOut) -> dict[str, object]:
    """A run as one table row (progress as ``done/total``)."""
    row = run.model_dump(mode="json")
    row["progress"] = f"{run.progress.done}/{run.progress.total}"
    return row


def print_run(run: SyncRunOut) -> None:
    """A run's fields, then its counts by kind."""
    row = run_row(run)
    width = max(len(name) for name in RUN_FIELDS)
    for name in RUN_FIELDS:
        typer.echo(f"{name.ljust(width)}  {cell(row[name])}")
    typer.echo("")
    counts = run.counts.model_dump()
    print_table(("kind", *COUNTERS), [{"kind": kind, **counts[kind]} for kind in counts])


@sync_app.command()
def start(connection_id: ConnectionId, as_json: JsonFlag = False) -> None:
    """Start a sync run of an active connection.

    When a run is already queued, running or waiting, that one is shown instead.
    """

    async def act(context: AppContext) -> tuple[SyncRunOut, bool]:
        async with writing_session(context) as session:
            connection = await get_connection(session, connection_id, visible=everyone)
            requested = await start_sync(session, connection)
            return SyncRunOut.of(requested.run), requested.created

    run, created = run_in_context(act)
    if not created:
        typer.echo(f"a run is already {run.status}: not starting another", err=True)
    if as_json:
        print_json(run)
    else:
        print_run(run)


@sync_app.command()
def status(
    run_id: Annotated[str, typer.Argument(metavar="RUN_ID", help="The sync run's id.")],
    as_json: JsonFlag = False,
) -> None:
    """One run: status, progress, counts by kind, error."""

    async def read(context: AppContext) -> SyncRunOut:
        async with context.session_factory() as session:
            return SyncRunOut.of(await read_run(session, run_id, visible=everyone))

    run = run_in_context(read)
    if as_json:
        print_json(run)
    else:
        print_run(run)


@sync_app.command("list")
def list_command(
    connection_id: ConnectionId,
    limit: Annotated[int, typer.Option("--limit", min=1, max=200)] = 50,
    cursor: Annotated[str | None, typer.Option("--cursor", help="A page's next cursor.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """A connection's runs, newest first.

    The next page's cursor is printed on stderr.
    """

    async def read(context: AppContext) -> SyncRunPage:
        async with context.session_factory() as session:
            connection = await get_connection(session, connection_id, visible=everyone)
            page = await list_connection_runs(session, connection, cursor=cursor, limit=limit)
        return SyncRunPage.of(page)

    page = run_in_context(read)
    if as_json:
        print_json(page)
        return
    print_table(RUN_COLUMNS, [run_row(run) for run in page.items])
    if page.next_cursor:
        typer.echo(f"next page: --cursor {page.next_cursor}", err=True)


def register(app: typer.Typer) -> None:
    app.add_typer(sync_app, name="sync")
