"""The composition root of every process: settings in, the resources it runs on out.

``build_context`` makes the API's (and ``dev``'s) ``AppContext``; ``arq_settings`` makes the arq
worker's, whose ``on_startup`` builds its own ``AppContext`` and the tasks' ``TaskResources``
through the same functions (``xero_services``, ``task_resources``), so both run the same objects.
Routers, services and tasks receive what they need from here (``ContextDep``,
``ctx["resources"]``); nothing else reads settings for them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from xero_connector import metrics
from xero_connector.auth.authenticator import Authenticator
from xero_connector.auth.dashboard_jwt import DashboardJwtVerifier, JwksCache
from xero_connector.db.base import utcnow
from xero_connector.db.engine import make_engine, make_session_factory
from xero_connector.errors import ConfigurationError
from xero_connector.jobs.arq_worker import (
    ArqDispatcher,
    arq_redis,
    create_worker,
    run_worker,
    worker_settings,
)
from xero_connector.jobs.dispatch import Dispatcher
from xero_connector.jobs.inprocess import InProcessRunner
from xero_connector.metrics.scrape import refresh_periodically
from xero_connector.settings import Settings
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
from xero_connector.xero_api_setup import xero_api_client

# A sync slice waits at most this long for the rate limiter, else it defers the run.
SYNC_LIMITER_WAIT_SECONDS = 2.0


@dataclass(kw_only=True)
class AppContext:
    """Everything a request or job may use. ``aclose`` releases what the context owns.

    ``vault`` is None only when no keyring is configured (tests that need no encryption).
    ``engine`` is set when the context created its own engine (it is disposed on close); a test
    context may instead hand in a ``session_factory`` bound to a connection it controls.
    """

    session_factory: async_sessionmaker[AsyncSession]
    http: httpx.AsyncClient
    authenticator: Authenticator
    vault: Vault | None = None
    return_url_origins: tuple[str, ...] = ()
    redis: Redis | None = None
    engine: AsyncEngine | None = None
    # The OAuth flow and disconnects (None: Xero credentials or keyring not configured -> 503).
    xero_identity: XeroIdentity | None = None
    xero_redirect_uri: str | None = None
    xero_scopes: tuple[str, ...] = ()
    state_ttl_seconds: int = 600
    # The token layer's TokenService (None without Xero credentials or keyring).
    token_service: TokenService | None = None
    # The Accounting API client and its rate limiter (None exactly when token_service is).
    xero_api: XeroApiClient | None = None
    # A sync run requested by ingestion starts this long after the first such request.
    sync_debounce_seconds: float = 0.0
    # Where requests enqueue jobs after commit: arq with Redis, the in-process runner in dev
    # (None: no jobs, e.g. no Xero credentials in dev).
    dispatcher: Dispatcher | None = None

    @property
    def in_process_runner(self) -> InProcessRunner | None:
        """The dispatcher when it runs jobs in this process (dev); it needs starting."""
        return self.dispatcher if isinstance(self.dispatcher, InProcessRunner) else None

    async def start(self) -> None:
        """Start what runs in the background (dev's in-process runner and its crons)."""
        if self.in_process_runner is not None:
            await self.in_process_runner.start()

    async def aclose(self) -> None:
        if self.in_process_runner is not None:
            await self.in_process_runner.stop()
        if self.token_service is not None:
            await self.token_service.drain()
        if self.xero_api is not None:
            await self.xero_api.aclose()
        if self.xero_identity is not None:
            await self.xero_identity.aclose()
        await self.http.aclose()
        if self.redis is not None:
            await self.redis.aclose()
        if self.engine is not None:
            await self.engine.dispose()


# --- the Xero services: vault, identity client, token service -------------------------------


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
    identity.limiter = api.limiter  # Xero counts /connections calls in the app's minute limit
    return XeroServices(vault, identity, tokens, api)


# --- jobs: the tasks' resources and the API's dispatcher ------------------------------------


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


# --- the API (and dev) ----------------------------------------------------------------------


def build_authenticator(settings: Settings, http: httpx.AsyncClient) -> Authenticator:
    """API keys always; dashboard JWTs when a secret or a JWKS URL is configured."""
    secret = settings.jwt_secret.get_secret_value() if settings.jwt_secret is not None else None
    jwks = JwksCache(settings.jwt_jwks_url, http) if settings.jwt_jwks_url else None
    if secret is None and jwks is None:
        return Authenticator()
    verifier = DashboardJwtVerifier(
        secret=secret,
        jwks=None if secret is not None else jwks,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        workspace_claim=settings.jwt_workspace_claim,
    )
    return Authenticator(verifier)


def build_context(settings: Settings) -> AppContext:
    """Create the resources for ``settings`` (no I/O happens until they are used).

    The CLI's ``dev``/``api`` fill ``xero_redirect_uri`` with their own ``/v1/callback`` when it
    is unset; without one, the OAuth routes answer 503. With a Redis URL, jobs are enqueued into
    arq (the ``worker`` runs them); without, the in-process runner runs them once ``start``ed.
    """
    engine = make_engine(settings.database_url)
    session_factory = make_session_factory(engine)
    http = httpx.AsyncClient(timeout=settings.xero_timeout_seconds)
    services = xero_services(settings, engine=engine, session_factory=session_factory, http=http)
    redis = arq_redis(settings.redis_url) if settings.redis_url else None
    return AppContext(
        session_factory=session_factory,
        http=http,
        authenticator=build_authenticator(settings, http),
        vault=services.vault,
        xero_identity=services.identity,
        xero_redirect_uri=settings.xero_redirect_uri,
        xero_scopes=tuple(settings.scopes),
        state_ttl_seconds=settings.state_ttl_seconds,
        token_service=services.tokens,
        xero_api=services.api,
        dispatcher=app_dispatcher(
            settings, redis=redis, session_factory=session_factory, services=services
        ),
        return_url_origins=tuple(settings.return_url_origin_list),
        sync_debounce_seconds=settings.sync_debounce_seconds,
        redis=redis,
        engine=engine,
    )


# --- the arq worker -------------------------------------------------------------------------


def build_worker(settings: Settings, dispatcher: Dispatcher) -> tuple[AppContext, TaskResources]:
    """One worker process's context (engine pool sized for the job concurrency, Xero identity,
    vault, token service; ``dispatcher`` over the worker's own Redis pool, which arq closes)
    and the ``TaskResources`` its tasks find in ``ctx["resources"]``."""
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
    context = AppContext(
        session_factory=sessions,
        http=http,
        authenticator=Authenticator(),  # the worker serves no requests
        vault=services.vault,
        xero_identity=services.identity,
        token_service=services.tokens,
        xero_api=services.api,
        dispatcher=dispatcher,
        engine=engine,
    )
    resources = task_resources(
        settings,
        dispatcher=dispatcher,
        session_factory=sessions,
        tokens=services.tokens,
        remote=services.identity,
        xero_api=services.api,
    )
    return context, resources


def arq_settings(settings: Settings) -> dict[str, Any]:
    """arq Worker arguments for ``settings`` (which must pass ``check_for_scale_out``).

    ``on_startup`` builds the process's context and puts its ``TaskResources`` in
    ``ctx["resources"]``; ``on_shutdown`` closes the context.
    """
    assert settings.redis_url is not None

    async def on_startup(ctx: dict[str, Any]) -> None:
        dispatcher = ArqDispatcher(ctx["redis"], settings.queue_name)
        context, resources = build_worker(settings, dispatcher)
        ctx["context"] = context
        ctx["resources"] = resources
        if settings.worker_metrics_port is not None:  # the gauges its metrics port serves
            ctx["gauges"] = asyncio.create_task(
                refresh_periodically(context.session_factory, dispatcher.queue_depth)
            )

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        gauges = ctx.pop("gauges", None)
        if isinstance(gauges, asyncio.Task):
            gauges.cancel()
        context = ctx.pop("context", None)
        if isinstance(context, AppContext):
            await context.aclose()

    return worker_settings(
        redis_url=settings.redis_url,
        queue_name=settings.queue_name,
        tasks=TASKS,
        crons=crons(settings.sweep_interval_seconds),
        on_startup=on_startup,
        on_shutdown=on_shutdown,
        max_jobs=settings.worker_max_jobs,
        max_tries=settings.job_max_tries,
        job_timeout_seconds=int(
            settings.xero_timeout_seconds * 3 + settings.refresh_lock_wait_seconds
        ),
    )


def run(settings: Settings) -> None:
    """Run the worker until SIGINT/SIGTERM (serving its metrics when a port is configured)."""
    if settings.worker_metrics_port is not None:
        metrics.serve_in_thread(settings.worker_metrics_port)
    run_worker(arq_settings(settings))


def make_worker(settings: Settings, **overrides: Any) -> Any:
    """An arq Worker (tests: ``burst=True, handle_signals=False``)."""
    return create_worker(arq_settings(settings), **overrides)
