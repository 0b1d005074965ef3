"""Run Alembic from code: find ``alembic.ini`` and ``migrations/``, upgrade to head."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from alembic import command
from alembic.config import Config


def find_alembic_ini() -> Path:
    """The env override, else ./alembic.ini, else the source checkout's (editable install)."""
    candidates = []
    if env := os.environ.get("XERO_CONNECTOR_ALEMBIC_INI"):
        candidates.append(Path(env))
    candidates.append(Path.cwd() / "alembic.ini")
    candidates.extend(parent / "alembic.ini" for parent in Path(__file__).resolve().parents)
    for candidate in candidates:
        if candidate.is_file() and (candidate.parent / "migrations").is_dir():
            return candidate
    raise FileNotFoundError(
        "alembic.ini with migrations/ beside it not found; run from the project root "
        "or set XERO_CONNECTOR_ALEMBIC_INI"
    )


def alembic_config(database_url: str) -> Config:
    config = Config(str(find_alembic_ini()))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_sync(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


async def upgrade(database_url: str, revision: str = "head") -> None:
    """Upgrade from async code (Alembic's env.py runs its own event loop, so use a thread)."""
    await asyncio.to_thread(upgrade_sync, database_url, revision)
