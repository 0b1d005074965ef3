"""``xero-connector api-keys``: create, list and revoke the API keys of services and operators."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.auth.api_keys import KEY_PREFIX, IssuedKey, issue_api_key, revoke_api_key
from xero_connector.auth.policy import Role
from xero_connector.cli._db import announce_database, session_scope
from xero_connector.db.models import ApiKey
from xero_connector.db.repos.api_keys import get_api_key_by_prefix, list_api_keys
from xero_connector.errors import AppError, NotFound
from xero_connector.settings import Settings

SOURCE = "cli"
_PREFIX_SHAPED = re.compile(rf"^(?:{KEY_PREFIX})?([0-9a-f]{{12}})(?:_.*)?$")

api_keys_app = typer.Typer(
    no_args_is_help=True,
    help="API keys of internal services (service) and operators (ops).",
    rich_markup_mode=None,
)


class KeyRole(StrEnum):
    service = "service"
    ops = "ops"


def _database_url() -> str:
    url = Settings().database_url
    announce_database(url)
    return url


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
        async with session_scope(_database_url()) as session:
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
    """List every key: id, prefix, role, workspace, status, dates, name.

    The keys themselves are never stored, so never shown.
    """

    async def run() -> list[str]:
        async with session_scope(_database_url()) as session:
            return [_line(row) for row in await list_api_keys(session)]

    typer.echo("id\tprefix\trole\tworkspace\tstatus\tcreated\tlast_used\tname")
    for line in asyncio.run(run()):
        typer.echo(line)


@api_keys_app.command()
def revoke(
    key_id: Annotated[str, typer.Argument(metavar="ID", help="The key's id (see `list`).")],
) -> None:
    """Revoke a key; it stops working at once."""

    async def run() -> None:
        async with session_scope(_database_url()) as session:
            if (prefix := _PREFIX_SHAPED.match(key_id)) is not None:
                raise await _prefix_given(session, prefix.group(1))
            await revoke_api_key(session, key_id, actor="cli", source=SOURCE)

    try:
        asyncio.run(run())
    except AppError as error:
        raise _fail(error) from None
    typer.echo(f"revoked API key {key_id}")


async def _prefix_given(session: AsyncSession, prefix: str) -> NotFound:
    """A key's prefix (or the key itself) instead of its id: name the id, never echo the key."""
    shown = f"{KEY_PREFIX}{prefix}_..."
    row = await get_api_key_by_prefix(session, prefix)
    if row is None:
        return NotFound(f"{shown} looks like an API key's prefix, and no key has it")
    return NotFound(
        f"{shown} is an API key's prefix, not its id: revoke it with "
        f"`xero-connector api-keys revoke {row.id}` ({row.name})"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(api_keys_app, name="api-keys")
