"""``xero-connector records list|retry``: a connection's outbox at a terminal.

The same services as ``GET /v1/connections/{id}/records`` and ``POST .../records/{record_id}/
retry``, the same fields (a table, or the REST API's JSON with ``--json``), every workspace
visible. A retry asks for a sync run as the API's does; its job is enqueued for the workers with
Redis, and without (``dev``) the running ``dev``'s sweeper starts it.
"""

from __future__ import annotations

from typing import Annotated

import typer

from xero_connector.api.ledger_deps import get_sync_request
from xero_connector.api.ledger_schemas import RecordKind, RecordOut, RecordPage, RecordStatus
from xero_connector.cli._context import ConnectionId, everyone, run_in_context, writing_session
from xero_connector.cli.output import JsonFlag, print_json, print_record, print_table
from xero_connector.connections import get_connection
from xero_connector.context import AppContext
from xero_connector.ledger import outbox

COLUMNS = ("id", "kind", "external_id", "status", "version", "xero_id", "attempts", "why")

records_app = typer.Typer(
    no_args_is_help=True,
    help="Records on their way to Xero (the outbox): list, retry.",
    rich_markup_mode=None,
)


def record_row(record: RecordOut) -> dict[str, object]:
    """A record as one table row; ``why`` is the blocked reason or Xero's latest error."""
    row = record.model_dump(mode="json")
    row["why"] = record.blocked_reason or ("; ".join(record.errors) or None)
    return row


@records_app.command("list")
def list_command(
    connection_id: ConnectionId,
    kind: Annotated[RecordKind | None, typer.Option("--kind")] = None,
    status: Annotated[RecordStatus | None, typer.Option("--status")] = None,
    external_id: Annotated[
        str | None, typer.Option("--external-id", help="Only the record with this id of yours.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=200)] = 50,
    cursor: Annotated[str | None, typer.Option("--cursor", help="A page's next cursor.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """A connection's records in ingestion order.

    The next page's cursor is printed on stderr.
    """

    async def read(context: AppContext) -> RecordPage:
        async with context.session_factory() as session:
            connection = await get_connection(session, connection_id, visible=everyone)
            page = await outbox.list_records(
                session,
                connection_id=connection.id,
                kind=kind,
                status=status,
                external_id=external_id,
                cursor=cursor,
                limit=limit,
            )
            return RecordPage.of(page)

    page = run_in_context(read)
    if as_json:
        print_json(page)
        return
    print_table(COLUMNS, [record_row(record) for record in page.items])
    if page.next_cursor:
        typer.echo(f"next page: --cursor {page.next_cursor}", err=True)


@records_app.command()
def retry(
    connection_id: ConnectionId,
    record_id: Annotated[str, typer.Argument(metavar="RECORD_ID", help="The record's id.")],
    as_json: JsonFlag = False,
) -> None:
    """Send a failed record again, as it is.

    For after a fix in Xero: the record is pending again and a sync run is asked for.
    """

    async def act(context: AppContext) -> RecordOut:
        async with writing_session(context) as session:
            connection = await get_connection(session, connection_id, visible=everyone)
            record = await outbox.get_record(
                session, connection_id=connection.id, record_id=record_id
            )
            return RecordOut.of(await outbox.retry(session, record, get_sync_request(context)))

    record = run_in_context(act)
    if as_json:
        print_json(record)
    else:
        print_record(record)


def register(app: typer.Typer) -> None:
    app.add_typer(records_app, name="records")
