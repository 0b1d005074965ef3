"""``xero-connector api-keys``: create, list and revoke the API keys of services and operators."""

from __future__ import annotations

import asyncio
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import typer

from xero_connector.auth.api_keys import KEY_PREFIX, IssuedKey, issue_api_key, revoke_api_key
from xero_connector.auth.policy import Role
from xero_connector.cli._db import session_scope
from xero_connector.db.models import ApiKey
from xero_connector.db.repos.api_keys import list_api_keys
from xero_connector.errors import AppError
from xero_connector.settings import Settings

SOURCE = "cli"

api_keys_app = typer.Typer(
    no_args_is_help=True, help="API keys of internal services (service) and operators (ops)."
)


class KeyRole(StrEnum):
    service = "service"
    ops = "ops"


def _fail(error: AppError) -> typer.Exit:
    typer.echo(f"error: {error.detail}", err=True)
    return typer.Exit(1 if error.status == 404 else 2)


@api_keys_app.command()
def create(
    name: Annotated[str, typer.Option("--name", help="Who the key is for.")],
    role: Annotated[KeyRole, typer.Option("--role", help="service or ops.")],
    workspace: Annotated[
        str | None, typer.Option("--workspace", help="Bind the key to this one workspace.")
    ] = None,
) -> None:
    """Create a key. The key itself is printed once, alone on the last line."""

    async def run() -> IssuedKey:
        async with session_scope(Settings().database_url) as session:
            return await issue_api_key(
                session,
                name=name,
                role=Role(role.value),
                workspace_id=workspace,
                actor="cli",
                source=SOURCE,
            )

    try:
        issued = asyncio.run(run())
    except AppError as error:
        raise _fail(error) from None
    scope = f"workspace {workspace}" if workspace else "any workspace"
    typer.echo(f"created API key {issued.row.id} ({role.value}, {scope}); it is shown only once:")
    typer.echo(issued.key)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else "-"


def _line(row: ApiKey) -> str:
    status = "revoked" if row.revoked_at else "active"
    fields = [
        row.id,
        f"{KEY_PREFIX}{row.prefix}_...",
        row.role,
        row.workspace_id or "*",
        status,
        _when(row.created_at),
        _when(row.last_used_at),
        row.name + (" (dev)" if row.is_dev else ""),
    ]
    return "\t".join(fields)


@api_keys_app.command("list")
def list_keys() -> None:
    """List every key (never the key itself): id, prefix, role, workspace, status, dates, name."""

    async def run() -> list[str]:
        async with session_scope(Settings().database_url) as session:
            return [_line(row) for row in await list_api_keys(session)]

    typer.echo("id\tprefix\trole\tworkspace\tstatus\tcreated\tlast_used\tname")
    for line in asyncio.run(run()):
        typer.echo(line)


@api_keys_app.command()
def revoke(
    key_id: Annotated[str, typer.Argument(metavar="ID", help="The key's id.")],
) -> None:
    """Revoke a key; it stops working at once."""

    async def run() -> None:
        async with session_scope(Settings().database_url) as session:
            await revoke_api_key(session, key_id, actor="cli", source=SOURCE)

    try:
        asyncio.run(run())
    except AppError as error:
        raise _fail(error) from None
    typer.echo(f"revoked API key {key_id}")


def register(app: typer.Typer) -> None:
    app.add_typer(api_keys_app, name="api-keys")
