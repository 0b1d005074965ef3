"""``xero-connector keys``: generate key-encryption keys, re-wrap data keys, show key usage."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from xero_connector.cli._db import announce_database
from xero_connector.db.engine import make_engine, make_session_factory
from xero_connector.errors import ConfigurationError
from xero_connector.settings import Settings, reveal
from xero_connector.vault import (
    LocalKeyring,
    RotationReport,
    Vault,
    dev_keyring_path,
    generate_key_entry,
    key_status,
    load_or_create_dev_keyring,
    rotate_keys,
)

keys_app = typer.Typer(
    no_args_is_help=True,
    help="Key-encryption keys: generate, rotate, status. The keyring is XERO_CONNECTOR_KEYS "
    "(in dev without it: the keyring file beside the SQLite database).",
    rich_markup_mode=None,
)


@keys_app.command()
def generate(
    kid: str | None = typer.Option(
        None, "--kid", help="Key id, [A-Za-z0-9_-]{1,32}; default YYYYMMDD-xxxx."
    ),
) -> None:
    """Print one new kid:key entry. Put it FIRST in XERO_CONNECTOR_KEYS to make it active."""
    try:
        entry = generate_key_entry(kid)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--kid") from None
    typer.echo(entry)


def _refuse(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _keyring(value: str) -> LocalKeyring:
    try:
        return LocalKeyring.from_setting(value)
    except ConfigurationError as error:
        raise _refuse(str(error)) from None


def _dev_keyring_file(database_url: str) -> Path | None:
    """The keyring file ``dev`` keeps beside this SQLite database, when there is one."""
    try:
        path = dev_keyring_path(database_url)
    except ValueError:
        return None
    return path if path.is_file() else None


def _print_progress(table: str, report: RotationReport) -> None:
    counts = report.tables[table]
    typer.echo(f"{table}: {counts.rewrapped} re-wrapped, {counts.failed} failed so far")


@keys_app.command()
def rotate(
    batch_size: int = typer.Option(200, min=1, help="Rows per transaction."),
) -> None:
    """Re-wrap every data key under the active (first) key.

    Online and safe to re-run. It refuses a dev database (one with dev's keyring file beside it):
    a running dev holds that keyring in memory and could not open keys re-wrapped under another.
    """
    settings = Settings()
    announce_database(settings.database_url)
    if (dev_file := _dev_keyring_file(settings.database_url)) is not None:
        raise _refuse(
            f"this is a dev database: its keyring is the file {dev_file}, which a running dev "
            "holds in memory and could not open keys re-wrapped under another; dev needs no "
            "rotation (practise one on Postgres with XERO_CONNECTOR_KEYS, docs/vault.md)"
        )
    vault = Vault(_keyring(reveal(settings.keys) or ""))
    typer.echo(f"re-wrapping data keys under {vault.active_kek_id!r}")
    report = asyncio.run(_rotate(settings.database_url, vault, batch_size))
    for table, counts in report.tables.items():
        typer.echo(
            f"{table}: {counts.rewrapped} re-wrapped, {counts.changed} changed meanwhile "
            f"(left alone), {counts.failed} failed"
        )
    for failure in report.failures:
        typer.echo(f"failed: {failure.table} {failure.row_id}: {failure.reason}", err=True)
    if not report.complete:
        typer.echo(
            f"{report.failed} rows could not be re-wrapped; keep their keys in the keyring",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo("done; check `xero-connector keys status` before removing an old key")


async def _rotate(database_url: str, vault: Vault, batch_size: int) -> RotationReport:
    engine = make_engine(database_url)
    try:
        return await rotate_keys(
            make_session_factory(engine), vault, batch_size=batch_size, on_batch=_print_progress
        )
    finally:
        await engine.dispose()


@keys_app.command()
def status() -> None:
    """Rows per key id. A key can leave the keyring once no row uses it.

    The keyring is XERO_CONNECTOR_KEYS, or in dev without it the keyring file dev keeps beside
    the SQLite database.
    """
    settings = Settings()
    announce_database(settings.database_url)
    keyring = None
    if keys := reveal(settings.keys):
        keyring = _keyring(keys)
    elif (dev_file := _dev_keyring_file(settings.database_url)) is not None:
        try:
            keyring = _keyring(load_or_create_dev_keyring(dev_file))
        except ConfigurationError as error:
            raise _refuse(str(error)) from None
        typer.echo(f"keyring: dev's keyring file {dev_file}", err=True)
    counts = asyncio.run(_status(settings.database_url))
    in_use: set[str] = set()
    for table, per_kek in counts.items():
        for kek_id, count in per_kek.items():
            in_use.add(kek_id)
            typer.echo(f"{table}\t{kek_id}\t{count}")
    if not in_use:
        typer.echo("no row holds a wrapped data key")
    if keyring is None:
        return
    typer.echo(f"active key: {keyring.active_kek_id}")
    for kek_id in keyring.kek_ids[1:]:
        used = kek_id in in_use
        verdict = "still in use: run `keys rotate`" if used else "unused: can be removed"
        typer.echo(f"key {kek_id}: {verdict}")
    if missing := sorted(in_use - set(keyring.kek_ids)):
        typer.echo(f"rows under keys missing from the keyring: {', '.join(missing)}", err=True)
        raise typer.Exit(1)


async def _status(database_url: str) -> dict[str, dict[str, int]]:
    engine = make_engine(database_url)
    try:
        return await key_status(make_session_factory(engine))
    finally:
        await engine.dispose()


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
