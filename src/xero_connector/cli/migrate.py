"""``xero-connector migrate``: upgrade the database to the newest schema."""

from __future__ import annotations

import typer

from xero_connector.db.migrate import upgrade_sync
from xero_connector.settings import Settings


def migrate() -> None:
    """Run ``alembic upgrade head`` against XERO_CONNECTOR_DATABASE_URL."""
    settings = Settings()
    upgrade_sync(settings.database_url)
    typer.echo("database is at the newest schema")


def register(app: typer.Typer) -> None:
    app.command()(migrate)
