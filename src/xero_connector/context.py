"""The resources the application uses, built once from settings at the composition root.

Routers and services receive what they need from here (through ``ContextDep``); nothing below
the composition roots reads settings. The Xero services and the dispatcher are built by
``jobs.runtime``, the same path the worker takes.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from xero_connector.auth.authenticator import Authenticator
from xero_connector.auth.dashboard_jwt import DashboardJwtVerifier, JwksCache
from xero_connector.db.engine import make_engine, make_session_factory
from xero_connector.jobs.arq_worker import arq_redis
from xero_connector.jobs.dispatch import Dispatcher
from xero_connector.jobs.inprocess import InProcessRunner
from xero_connector.jobs.runtime import app_dispatcher, xero_services
from xero_connector.settings import Settings
from xero_connector.tokens.service import TokenService
from xero_connector.vault import Vault
from xero_connector.xero.client import XeroApiClient
from xero_connector.xero.identity import XeroIdentity


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
    # Where requests enqueue jobs after commit: arq with Redis, the in-process runner in dev
    # (None: no jobs, e.g. no Xero credentials in dev).
    dispatcher: Dispatcher | None = None
    # A sync run requested by ingestion starts this long after the first such request.
    sync_debounce_seconds: float = 0.0

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
