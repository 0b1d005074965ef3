"""Run Alembic from code against the migrations shipped inside the package, upgrade to head.

The top-level ``migrations/`` is reached inside the package through the link
``xero_connector/migrations`` and built into the wheel as package data, so an installed wheel
migrates from any working directory; no ``alembic.ini`` is needed at run time (the project
root's is for writing revisions).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_sync(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


async def upgrade(database_url: str, revision: str = "head") -> None:
    """Upgrade from async code (Alembic's env.py runs its own event loop, so use a thread)."""
    await asyncio.to_thread(upgrade_sync, database_url, revision)
