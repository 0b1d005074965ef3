"""The resources every task finds in ``ctx["resources"]``, built by the dispatcher's startup."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from xero_connector.connections.disconnect import OWED_BACKOFF
from xero_connector.db.base import utcnow
from xero_connector.jobs.dispatch import Dispatcher
from xero_connector.tokens.backoff import Backoff
from xero_connector.tokens.service import TokenService
from xero_connector.xero.client import XeroApiClient
from xero_connector.xero.identity import TenantConnection


class RemoteConnections(Protocol):
    """Xero's ``/connections`` calls (``xero.identity.XeroIdentity``)."""

    async def delete_connection(self, access_token: str, connection_id: str) -> None: ...

    async def list_connections(
        self, access_token: str, *, auth_event_id: str | None = None
    ) -> list[TenantConnection]: ...


@dataclass
class TaskResources:
    """Shared, long-lived objects of one worker process (plain values, no Settings)."""

    session_factory: async_sessionmaker[AsyncSession]
    tokens: TokenService
    remote: RemoteConnections
    dispatcher: Dispatcher
    # The Accounting API client (every tenant call goes through it and the rate limiter).
    xero_api: XeroApiClient | None = None
    in_use_window: timedelta = timedelta(seconds=1800)
    sweep_limit: int = 20000
    clock: Callable[[], datetime] = utcnow
    # A push pulls the settings in full first when the last full pull is older than this
    # (mappings.freshness.ensure_fresh_settings).
    settings_max_age: timedelta = timedelta(hours=1)
    # The settings cron pulls changes of connections last pulled longer ago than this.
    settings_pull_interval: timedelta = timedelta(hours=6)
    # Spaces the retries of owed disconnect work (connections.disconnect).
    owed_backoff: Backoff = OWED_BACKOFF


def resources(ctx: dict[str, Any]) -> TaskResources:
    found = ctx["resources"]
    assert isinstance(found, TaskResources)
    return found
