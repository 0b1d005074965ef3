"""Fixtures for the vault tests: a vault, and fresh databases on both backends."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.vault.vault_helpers import KEY_A, vault_for
from xero_connector.db.engine import make_engine, make_session_factory
from xero_connector.db.migrate import upgrade
from xero_connector.vault import Vault


@pytest.fixture
def vault_a() -> Vault:
    return vault_for(KEY_A)


@pytest.fixture(params=["postgres", "sqlite"])
async def session_factory(
    request: pytest.FixtureRequest,
    make_database: Callable[[], Awaitable[str]],
    tmp_path: Path,
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A fresh, migrated database of its own (rotation commits for real), on both backends."""
    if request.param == "postgres":
        url = await make_database()
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'vault.db'}"
        await upgrade(url)
    engine = make_engine(url)
    yield make_session_factory(engine)
    await engine.dispose()
