"""Building the Xero services, the task resources and the dispatchers from settings.

The one composition path for both processes: ``context.build_context`` (the API, and ``dev``'s
in-process runner) and the arq worker's startup (``build_runtime``) call ``xero_services`` and
``task_resources`` here, so they run the same objects. Only this module, ``context`` and the CLI
read ``Settings`` for jobs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import httpx
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from xero_connector.db.base import utcnow
from xero_connector.db.engine import make_engine, make_session_factory
from xero_connector.jobs.arq_worker import ArqDispatcher
from xero_connector.jobs.dispatch import Dispatcher
from xero_connector.jobs.inprocess import InProcessRunner
from xero_connector.settings import ConfigurationError, Settings
from xero_connector.sync.engine import SyncEngine
from xero_connector.sync.translation import LedgerTranslations
from xero_connector.sync.xero_port import ClientPort
from xero_connector.tasks.context import TaskResources
from xero_connector.tasks.registry import TASKS, crons
from xero_connector.tokens.locks import GrantLocks, LocalGrantLocks, PgAdvisoryGrantLocks
from xero_connector.tokens.refresh import RefreshPolicy
from xero_connector.tokens.service import TokenService
from xero_connector.vault import LocalKeyring, Vault
from xero_connector.xero.client import XeroApiClient
from xero_connector.xero.identity import XeroEndpoints, XeroIdentity
from xero_connector.xero.limiter import LimitConfig, Limiter, MemoryBackend
from xero_connector.xero.tenant_status import TenantStatus

# A sync slice waits at most this long for the rate limiter, else it defers the run.
SYNC_LIMITER_WAIT_SECONDS = 2.0


def refresh_policy(settings: Settings) -> RefreshPolicy:
    return RefreshPolicy(
        margin=timedelta(seconds=settings.refresh_margin_seconds),
        grace=timedelta(seconds=settings.refresh_grace_seconds),
        keepalive_after=timedelta(seconds=settings.keepalive_after_seconds),
    )


def xero_identity(settings: Settings, http: httpx.AsyncClient) -> XeroIdentity | None:
    """The Xero app's identity client, or None unless its client id and secret are both set."""
    if not settings.has_real_xero_credentials:
        return None
    assert settings.xero_client_id is not None
    assert settings.xero_client_secret is not None
    return XeroIdentity(
        client_id=settings.xero_client_id,
        client_secret=settings.xero_client_secret.get_secret_value(),
        endpoints=XeroEndpoints(
            login_base=settings.xero_login_base,
            identity_base=settings.xero_identity_base,
            api_base=settings.xero_api_base,
        ),
        http=http,
        timeout=settings.xero_timeout_seconds,
    )


def vault_for(settings: Settings) -> Vault | None:
    """The vault over ``XERO_CONNECTOR_KEYS``, or None when no keyring is set."""
    keys = settings.keys.get_secret_value() if settings.keys is not None else ""
    return Vault(LocalKeyring.from_setting(keys)) if keys.strip() else None


def grant_locks(settings: Settings, engine: AsyncEngine) -> GrantLocks:
    """Postgres: advisory locks across processes. SQLite (dev, one process): in-process locks."""
    if settings.uses_sqlite:
        return LocalGrantLocks()
    return PgAdvisoryGrantLocks(engine, wait_seconds=settings.refresh_lock_wait_seconds)


def limit_config(settings: Settings) -> LimitConfig:
    return LimitConfig(
        tenant_concurrency=settings.xero_tenant_concurrency,
        tenant_minute=settings.xero_tenant_minute_limit,
        tenant_day=settings.xero_tenant_day_limit,
        app_minute=settings.xero_app_minute_limit,
        time_scale=settings.xero_limit_time_scale,
        margin_seconds=settings.xero_limit_margin_seconds,
        lease_seconds=settings.xero_limit_lease_seconds,
    )


def build_limiter(settings: Settings) -> Limiter:
    """The rate limiter of this process (in-process state)."""
    return Limiter(MemoryBackend(limit_config(settings)))


def xero_api_client(
    settings: Settings,
    *,
    http: httpx.AsyncClient,
    tokens: TokenService,
    session_factory: async_sessionmaker[AsyncSession],
) -> XeroApiClient:
    """The process's one Accounting API client (its limiter is made here too)."""
    return XeroApiClient(
        http=http,
        tokens=tokens,
        limiter=build_limiter(settings),
        status=TenantStatus(session_factory),
        api_base=settings.xero_api_base,
        timeout=settings.xero_timeout_seconds,
    )


@dataclass(frozen=True)
class XeroServices:
    """The vault, the Xero identity client, the token service and the Accounting API client;
    None where not configured.

    ``tokens`` and ``api`` exist exactly when both ``vault`` and ``identity`` do.
    """

    vault: Vault | None
    identity: XeroIdentity | None
    tokens: TokenService | None
    api: XeroApiClient | None = None


def xero_services(
    settings: Settings,
    *,
    engine: AsyncEngine,
    session_factory: async_sessionmaker[AsyncSession],
    http: httpx.AsyncClient,
) -> XeroServices:
    vault = vault_for(settings)
    identity = xero_identity(settings, http)
    if vault is None or identity is None:
        return XeroServices(vault, identity, None)
    tokens = TokenService(
        session_factory=session_factory,
        vault=vault,
        identity=identity,
        locks=grant_locks(settings, engine),
        policy=refresh_policy(settings),
    )
    api = xero_api_client(settings, http=http, tokens=tokens, session_factory=session_factory)
    return XeroServices(vault, identity, tokens, api)


def task_resources(
    settings: Settings,
    *,
    dispatcher: Dispatcher,
    session_factory: async_sessionmaker[AsyncSession],
    tokens: TokenService,
    remote: XeroIdentity,
    xero_api: XeroApiClient | None = None,
) -> TaskResources:
    return TaskResources(
        session_factory=session_factory,
        tokens=tokens,
        remote=remote,
        xero_api=xero_api,
        dispatcher=dispatcher,
        in_use_window=timedelta(seconds=settings.in_use_window_seconds),
        sweep_limit=settings.sweep_limit,
        settings_max_age=timedelta(seconds=settings.settings_max_age_seconds),
        settings_pull_interval=timedelta(seconds=settings.settings_pull_interval_seconds),
        sync=sync_engine(
            settings, session_factory=session_factory, xero_api=xero_api, dispatcher=dispatcher
        )
        if xero_api is not None
        else None,
        sync_blocked_recheck=timedelta(seconds=settings.sync_blocked_recheck_seconds),
    )


def sync_engine(
    settings: Settings,
    *,
    session_factory: async_sessionmaker[AsyncSession],
    xero_api: XeroApiClient,
    dispatcher: Dispatcher,
) -> SyncEngine:
    """The sync engine over the Accounting API client: a tenant's batches in flight at once are
    its concurrency limit; a slice defers rather than wait long for the rate limiter."""
    return SyncEngine(
        session_factory=session_factory,
        port=ClientPort(xero_api, max_wait=SYNC_LIMITER_WAIT_SECONDS),
        translations=LedgerTranslations(
            session_factory=session_factory,
            client=xero_api,
            settings_max_age=timedelta(seconds=settings.settings_max_age_seconds),
            clock=utcnow,
        ),
        dispatcher=dispatcher,
        batch_size=settings.sync_batch_size,
        concurrency=settings.xero_tenant_concurrency,
        slice_seconds=settings.sync_slice_seconds,
        xero_timeout_seconds=settings.xero_timeout_seconds,
        max_limiter_wait=SYNC_LIMITER_WAIT_SECONDS,
    )


def in_process_runner(
    settings: Settings,
    *,
    session_factory: async_sessionmaker[AsyncSession],
    tokens: TokenService,
    remote: XeroIdentity,
    xero_api: XeroApiClient | None = None,
) -> InProcessRunner:
    """``dev``'s dispatcher: the same tasks and crons as the worker, run in this event loop.

    The app's lifespan starts it (``AppContext.start``) and stops it at shutdown.
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
        xero_api=xero_api,
    )
    return runner


def app_dispatcher(
    settings: Settings,
    *,
    redis: Redis | None,
    session_factory: async_sessionmaker[AsyncSession],
    services: XeroServices,
) -> Dispatcher | None:
    """The API's dispatcher: arq over ``redis`` when Redis is configured (the ``worker`` runs the
    jobs and crons), else the in-process runner (``dev``). None in-process without Xero
    credentials or keyring: there is nothing a job could do."""
    if redis is not None:
        return ArqDispatcher(redis, settings.queue_name)
    if services.tokens is None or services.identity is None:
        return None
    return in_process_runner(
        settings,
        session_factory=session_factory,
        tokens=services.tokens,
        remote=services.identity,
        xero_api=services.api,
    )


@dataclass
class WorkerRuntime:
    """What one worker process owns; ``aclose`` releases it."""

    engine: AsyncEngine
    http: httpx.AsyncClient
    identity: XeroIdentity
    tokens: TokenService
    resources: TaskResources
    xero_api: XeroApiClient | None = None

    async def aclose(self) -> None:
        await self.tokens.drain()
        if self.xero_api is not None:
            await self.xero_api.aclose()
        await self.identity.aclose()
        await self.http.aclose()
        await self.engine.dispose()


def build_runtime(settings: Settings, dispatcher: Dispatcher) -> WorkerRuntime:
    """Engine (pool sized for the job concurrency), Xero identity, vault, token service."""
    pool = settings.worker_max_jobs * 2 + 2  # a refresh holds a lock connection and a session
    engine = (
        make_engine(settings.database_url)
        if settings.uses_sqlite
        else make_engine(settings.database_url, pool_size=pool, max_overflow=2)
    )
    sessions = make_session_factory(engine)
    http = httpx.AsyncClient(timeout=settings.xero_timeout_seconds)
    services = xero_services(settings, engine=engine, session_factory=sessions, http=http)
    if services.tokens is None or services.identity is None:
        raise ConfigurationError(
            "the worker needs XERO_CONNECTOR_KEYS, XERO_CONNECTOR_XERO_CLIENT_ID and "
            "XERO_CONNECTOR_XERO_CLIENT_SECRET"
        )
    resources = task_resources(
        settings,
        dispatcher=dispatcher,
        session_factory=sessions,
        tokens=services.tokens,
        remote=services.identity,
        xero_api=services.api,
    )
    return WorkerRuntime(
        engine, http, services.identity, services.tokens, resources, xero_api=services.api
    )
