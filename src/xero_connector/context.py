"""The resources the application uses, built once from settings at the composition root.

Routers and services receive what they need from here (through ``ContextDep``); nothing below
the composition roots reads settings. Capabilities add their own fields (vault, dispatcher, ...).
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from xero_connector.auth.authenticator import Authenticator
from xero_connector.auth.dashboard_jwt import DashboardJwtVerifier, JwksCache
from xero_connector.db.engine import make_engine, make_session_factory
from xero_connector.settings import Settings


@dataclass(kw_only=True)
class AppContext:
    """Everything a request or job may use. ``aclose`` releases what the context owns.

    ``engine`` is set when the context created its own engine (it is disposed on close); a test
    context may instead hand in a ``session_factory`` bound to a connection it controls.
    """

    session_factory: async_sessionmaker[AsyncSession]
    http: httpx.AsyncClient
    authenticator: Authenticator
    return_url_origins: tuple[str, ...] = ()
    redis: Redis | None = None
    engine: AsyncEngine | None = None

    async def aclose(self) -> None:
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
    """Create the resources for ``settings`` (no I/O happens until they are used)."""
    engine = make_engine(settings.database_url)
    http = httpx.AsyncClient(timeout=settings.xero_timeout_seconds)
    return AppContext(
        session_factory=make_session_factory(engine),
        http=http,
        authenticator=build_authenticator(settings, http),
        return_url_origins=tuple(settings.return_url_origin_list),
        redis=Redis.from_url(settings.redis_url) if settings.redis_url else None,
        engine=engine,
    )
