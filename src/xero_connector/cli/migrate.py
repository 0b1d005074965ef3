"""``xero-connector migrate``: upgrade the database to the newest schema."""

from __future__ import annotations

import typer

from xero_connector.cli._db import announce_database
from xero_connector.db.migrate import upgrade_sync
from xero_connector.settings import Settings


def migrate() -> None:
    """Upgrade the database to the newest schema.

    The database is XERO_CONNECTOR_DATABASE_URL's; the migrations ship with the package.
    """
    settings = Settings()
    announce_database(settings.database_url)
    upgrade_sync(settings.database_url)
    typer.echo("database is at the newest schema")


def register(app: typer.Typer) -> None:
    app.command()(migrate)
