"""``xero-connector connections list|show|disconnect``: the operator's view of connections.

The commands call the same services as ``GET /v1/connections``, ``GET /v1/connections/{id}``
and ``DELETE /v1/connections/{id}`` and print the same fields (a table, or the REST API's JSON
with ``--json``). The CLI acts as the operator: every workspace is visible, and a disconnect is
audited with the actor ``cli``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from xero_connector.api.schemas import ConnectionOut, ConnectionPage
from xero_connector.cli._context import ACTOR, SOURCE, everyone, job_dispatcher, run_in_context
from xero_connector.cli.output import JsonFlag, print_json, print_record, print_table
from xero_connector.connections import (
    Disconnector,
    DisconnectWork,
    get_connection,
    list_connections,
)
from xero_connector.context import AppContext
from xero_connector.db.unit_of_work import committing
from xero_connector.errors import ServiceUnavailable

COLUMNS = ("id", "workspace_id", "tenant_name", "tenant_id", "status", "created_at")

connections_app = typer.Typer(
    no_args_is_help=True,
    help="The workspaces' Xero connections: list, show, disconnect.",
    rich_markup_mode=None,
)

ConnectionId = Annotated[str, typer.Argument(metavar="ID", help="The connection's id.")]


@connections_app.command("list")
def list_command(
    workspace: Annotated[str, typer.Option("--workspace", help="The workspace to list.")],
    limit: Annotated[int, typer.Option("--limit", min=1, max=200)] = 50,
    cursor: Annotated[str | None, typer.Option("--cursor", help="A page's next cursor.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """A workspace's connections, oldest first.

    The next page's cursor is printed on stderr.
    """

    async def read(context: AppContext) -> ConnectionPage:
        async with context.session_factory() as session:
            page = await list_connections(
                session, workspace_id=workspace, cursor=cursor, limit=limit
            )
        return ConnectionPage(
            items=[ConnectionOut.of(row) for row in page.items], next_cursor=page.next_cursor
        )

    page = run_in_context(read)
    if as_json:
        print_json(page)
        return
    print_table(COLUMNS, [item.model_dump() for item in page.items])
    if page.next_cursor:
        typer.echo(f"next page: --cursor {page.next_cursor}", err=True)


@connections_app.command()
def show(connection_id: ConnectionId, as_json: JsonFlag = False) -> None:
    """One connection, any workspace's."""

    async def read(context: AppContext) -> ConnectionOut:
        async with context.session_factory() as session:
            return ConnectionOut.of(await get_connection(session, connection_id, visible=everyone))

    connection = run_in_context(read)
    if as_json:
        print_json(connection)
    else:
        print_record(connection)


def _disconnector(context: AppContext) -> Disconnector:
    """``DELETE /v1/connections/{id}``'s service over this process's context.

    With Redis, retries are enqueued for the workers. Without (``dev``'s SQLite), this process
    runs no jobs: what stays owed is in the rows, and the running ``dev``'s sweeper takes it up.
    """
    if context.xero_identity is None or context.token_service is None:
        raise ServiceUnavailable(
            "Xero credentials or the keyring are not configured (the same XERO_CONNECTOR_* "
            "settings as the api and worker are needed)"
        )
    work = DisconnectWork(
        sessions=context.session_factory,
        tokens=context.token_service,
        remote=context.xero_identity,
        dispatcher=job_dispatcher(context),
    )
    return Disconnector(work)


@connections_app.command()
def disconnect(connection_id: ConnectionId) -> None:
    """Disconnect at Xero and forget the tokens.

    As DELETE /v1/connections/{id}; running it again changes nothing.
    """

    async def act(context: AppContext) -> str:
        disconnector = _disconnector(context)
        async with context.session_factory() as session, committing(session):
            await disconnector.disconnect(
                session, connection_id, visible=everyone, actor=ACTOR, source=SOURCE
            )
        async with context.session_factory() as session:
            connection = await get_connection(session, connection_id, visible=everyone)
            return connection.status

    status = run_in_context(act)
    typer.echo(f"connection {connection_id}: {status}")


def register(app: typer.Typer) -> None:
    app.add_typer(connections_app, name="connections")
