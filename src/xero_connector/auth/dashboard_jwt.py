"""Verification of the platform's dashboard JWTs with joserfc.

Either HS256 with a shared secret, or the keys of a JWKS URL (fetched with httpx and cached; an
unknown ``kid`` triggers one refetch, at most every ``min_refetch_seconds``). ``exp`` is always
required; ``iss`` and ``aud`` are checked when configured. The workspace claim must hold a
well-formed workspace id.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet, OctKey
from joserfc.jwt import JWTClaimsRegistry

from xero_connector.auth.workspace import is_valid_workspace_id
from xero_connector.errors import ConfigurationError
from xero_connector.logs import get_logger

ASYMMETRIC_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")
MIN_SECRET_BYTES = 32
LEEWAY_SECONDS = 30

log = get_logger(__name__)


class InvalidJwt(Exception):
    """The token is malformed, badly signed, expired or lacks a valid workspace claim."""


@dataclass(frozen=True, slots=True)
class DashboardClaims:
    """What the service takes from a verified dashboard JWT."""

    workspace_id: str
    subject: str | None


class JwksCache:
    """A JWKS fetched over HTTP, kept for ``ttl_seconds``."""

    def __init__(
        self,
        url: str,
        http: httpx.AsyncClient,
        *,
        ttl_seconds: float = 600.0,
        min_refetch_seconds: float = 30.0,
    ) -> None:
        self._url = url
        self._http = http
        self._ttl = ttl_seconds
        self._min_refetch = min_refetch_seconds
        self._keys: KeySet | None = None
        self._fetched_at = 0.0

    async def get(self, *, refresh: bool = False) -> KeySet:
        """The cached key set; refetched when stale, or on ``refresh`` when not fetched lately."""
        age = time.monotonic() - self._fetched_at
        if self._keys is None or age > self._ttl or (refresh and age > self._min_refetch):
            self._keys = await self._fetch()
            self._fetched_at = time.monotonic()
        return self._keys

    async def _fetch(self) -> KeySet:
        try:
            response = await self._http.get(self._url)
            response.raise_for_status()
            return KeySet.import_key_set(response.json())
        except (httpx.HTTPError, ValueError, JoseError) as exc:
            log.warning("jwks_fetch_failed", url=self._url, error=type(exc).__name__)
            if self._keys is not None:
                return self._keys
            raise InvalidJwt("signing keys unavailable") from exc


class DashboardJwtVerifier:
    """Verify a dashboard JWT and return its workspace."""

    def __init__(
        self,
        *,
        secret: str | None = None,
        jwks: JwksCache | None = None,
        issuer: str | None = None,
        audience: str | None = None,
        workspace_claim: str = "workspace_id",
    ) -> None:
        if (secret is None) == (jwks is None):
            raise ValueError("give exactly one of secret and jwks")
        if secret is not None and len(secret.encode()) < MIN_SECRET_BYTES:
            raise ConfigurationError("XERO_CONNECTOR_JWT_SECRET must be at least 32 bytes")
        self._secret_key = OctKey.import_key(secret.encode()) if secret is not None else None
        self._jwks = jwks
        self._workspace_claim = workspace_claim
        options: dict[str, Any] = {"exp": {"essential": True}}
        if issuer:
            options["iss"] = {"essential": True, "value": issuer}
        if audience:
            options["aud"] = {"essential": True, "value": audience}
        self._claims_options = options

    async def verify(self, token: str) -> DashboardClaims:
        """Claims of a valid token; :class:`InvalidJwt` otherwise."""
        claims = await self._decode(token)
        registry = JWTClaimsRegistry(leeway=LEEWAY_SECONDS, **self._claims_options)
        try:
            registry.validate(claims)
        except JoseError as exc:
            raise InvalidJwt(f"claims rejected: {exc.error}") from exc
        workspace = claims.get(self._workspace_claim)
        if not isinstance(workspace, str) or not is_valid_workspace_id(workspace):
            raise InvalidJwt("no valid workspace claim")
        subject = claims.get("sub")
        return DashboardClaims(
            workspace_id=workspace, subject=subject if isinstance(subject, str) else None
        )

    async def _decode(self, token: str) -> dict[str, Any]:
        if self._secret_key is not None:
            return self._decode_with(token, self._secret_key, ("HS256",))
        assert self._jwks is not None
        keys = await self._jwks.get()
        try:
            return self._decode_with(token, keys, ASYMMETRIC_ALGORITHMS)
        except _UnknownKey:
            keys = await self._jwks.get(refresh=True)
            return self._decode_with(token, keys, ASYMMETRIC_ALGORITHMS)

    @staticmethod
    def _decode_with(
        token: str, key: OctKey | KeySet, algorithms: tuple[str, ...]
    ) -> dict[str, Any]:
        try:
            decoded = jwt.decode(token, key, algorithms=list(algorithms))
        except InvalidKeyIdError as exc:
            raise _UnknownKey("no key for the token's kid") from exc
        except JoseError as exc:
            raise InvalidJwt(f"token rejected: {exc.error}") from exc
        except (ValueError, TypeError) as exc:
            raise InvalidJwt("token malformed") from exc
        return dict(decoded.claims)


class _UnknownKey(InvalidJwt):
    """No key of the set matches the token's ``kid``."""
