"""``xero-connector worker``: the arq worker pool (token refresh, owed disconnects, sweeper)."""

from __future__ import annotations

import typer

from xero_connector.cli._db import announce_database
from xero_connector.errors import ConfigurationError
from xero_connector.logs import configure_logging
from xero_connector.settings import Settings


def worker() -> None:
    """Run the job worker (Postgres and Redis required).

    It refreshes grants ahead of expiry, keeps idle ones alive, finishes owed disconnects and
    sweeps for due work.
    """
    settings = Settings()
    try:
        settings.check_for_scale_out()
    except ConfigurationError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    announce_database(settings.database_url)
    configure_logging(settings.log_level)
    from xero_connector.context import run

    run(settings)


def register(app: typer.Typer) -> None:
    app.command()(worker)
