"""Building the token service and the task resources from settings (a composition root).

Used by the arq worker's startup and by ``dev``'s in-process runner, so both run the same
objects. Only this module and the CLI read ``Settings`` for jobs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from xero_connector.db.engine import make_engine, make_session_factory
from xero_connector.jobs.dispatch import Dispatcher
from xero_connector.jobs.inprocess import InProcessRunner
from xero_connector.settings import ConfigurationError, Settings
from xero_connector.tasks.context import TaskResources
from xero_connector.tasks.registry import TASKS, crons
from xero_connector.tokens.locks import GrantLocks, LocalGrantLocks, PgAdvisoryGrantLocks
from xero_connector.tokens.refresh import RefreshPolicy
from xero_connector.tokens.service import TokenService
from xero_connector.vault import LocalKeyring, Vault
from xero_connector.xero.identity import XeroEndpoints, XeroIdentity


def refresh_policy(settings: Settings) -> RefreshPolicy:
    return RefreshPolicy(
        margin=timedelta(seconds=settings.refresh_margin_seconds),
        grace=timedelta(seconds=settings.refresh_grace_seconds),
        keepalive_after=timedelta(seconds=settings.keepalive_after_seconds),
    )


def xero_identity(settings: Settings, http: httpx.AsyncClient) -> XeroIdentity:
    secret = settings.xero_client_secret
    if not settings.xero_client_id or secret is None:
        raise ConfigurationError("XERO_CONNECTOR_XERO_CLIENT_ID/_SECRET are needed for Xero calls")
    return XeroIdentity(
        client_id=settings.xero_client_id,
        client_secret=secret.get_secret_value(),
        endpoints=XeroEndpoints(
            login_base=settings.xero_login_base,
            identity_base=settings.xero_identity_base,
            api_base=settings.xero_api_base,
        ),
        http=http,
        timeout=settings.xero_timeout_seconds,
    )


def grant_locks(settings: Settings, engine: AsyncEngine) -> GrantLocks:
    """Postgres: advisory locks across processes. SQLite (dev, one process): in-process locks."""
    if settings.uses_sqlite:
        return LocalGrantLocks()
    return PgAdvisoryGrantLocks(engine, wait_seconds=settings.refresh_lock_wait_seconds)


def token_service(
    settings: Settings,
    *,
    engine: AsyncEngine,
    session_factory: async_sessionmaker[AsyncSession],
    vault: Vault,
    identity: XeroIdentity,
) -> TokenService:
    """The TokenService for ``settings`` (AppContext and the worker both build it here)."""
    return TokenService(
        session_factory=session_factory,
        vault=vault,
        identity=identity,
        locks=grant_locks(settings, engine),
        policy=refresh_policy(settings),
    )


@dataclass
class WorkerRuntime:
    """What one worker process owns; ``aclose`` releases it."""

    engine: AsyncEngine
    http: httpx.AsyncClient
    identity: XeroIdentity
    resources: TaskResources

    async def aclose(self) -> None:
        await self.identity.aclose()
        await self.http.aclose()
        await self.engine.dispose()


def build_runtime(settings: Settings, dispatcher: Dispatcher, *, keys: str) -> WorkerRuntime:
    """Engine (pool sized for the job concurrency), Xero identity, vault, token service."""
    pool = settings.worker_max_jobs + 2
    engine = (
        make_engine(settings.database_url)
        if settings.uses_sqlite
        else make_engine(settings.database_url, pool_size=pool, max_overflow=pool)
    )
    sessions = make_session_factory(engine)
    http = httpx.AsyncClient(timeout=settings.xero_timeout_seconds)
    identity = xero_identity(settings, http)
    vault = Vault(LocalKeyring.from_setting(keys))
    tokens = token_service(
        settings, engine=engine, session_factory=sessions, vault=vault, identity=identity
    )
    resources = task_resources(
        settings, dispatcher=dispatcher, session_factory=sessions, tokens=tokens, remote=identity
    )
    return WorkerRuntime(engine, http, identity, resources)


def task_resources(
    settings: Settings,
    *,
    dispatcher: Dispatcher,
    session_factory: async_sessionmaker[AsyncSession],
    tokens: TokenService,
    remote: XeroIdentity,
) -> TaskResources:
    return TaskResources(
        session_factory=session_factory,
        tokens=tokens,
        remote=remote,
        dispatcher=dispatcher,
        in_use_window=timedelta(seconds=settings.in_use_window_seconds),
        sweep_limit=settings.sweep_limit,
    )


def in_process_runner(
    settings: Settings,
    *,
    session_factory: async_sessionmaker[AsyncSession],
    tokens: TokenService,
    remote: XeroIdentity,
) -> InProcessRunner:
    """``dev``'s dispatcher: the same tasks and crons as the worker, run in this event loop.

    Call ``await runner.start()`` in the app's lifespan and ``await runner.stop()`` at shutdown.
    """
    runner = InProcessRunner(
        TASKS, crons(settings.sweep_interval_seconds), max_tries=settings.job_max_tries
    )
    runner.ctx["resources"] = task_resources(
        settings,
        dispatcher=runner,
        session_factory=session_factory,
        tokens=tokens,
        remote=remote,
    )
    return runner
