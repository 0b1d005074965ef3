"""Xero's identity service and its tenant connections: our only module that touches authlib.

``XeroIdentity`` builds authorization requests (state, PKCE S256, nonce), exchanges codes and
refreshes tokens through authlib's async httpx client, revokes refresh tokens, verifies id_tokens
with joserfc against the JWKS named by the discovery document, and lists or deletes the
``/connections`` of a consent. Every failure leaves as a class from ``xero.errors``.
"""

from __future__ import annotations

import secrets
import time
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import urlencode

import httpx
from authlib.integrations.base_client.errors import OAuthError
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, KeySetSerialization

from xero_connector.xero.tokenset import TokenSet

# authlib prefers httpx2 and warns once, at import, when it falls back to httpx. We keep httpx on
# purpose (respx mocks only httpx; see ARCHITECTURE.md's library traps), so silence exactly that.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="The httpx module is deprecated; please use httpx2")
    from authlib.integrations.httpx_client import AsyncOAuth2Client

from xero_connector.xero.errors import (
    InvalidGrant,
    XeroError,
    XeroOAuthError,
    XeroRateLimited,
    XeroUnavailable,
    raise_for_xero_status,
)
from xero_connector.xero.limiter import Limiter
from xero_connector.xero.transport import send

DISCOVERY_TTL_SECONDS = 3600.0
ID_TOKEN_LEEWAY_SECONDS = 60


class InvalidIdToken(XeroError):
    code, title = "invalid_id_token", "The id_token from Xero failed verification"


@dataclass(frozen=True)
class XeroEndpoints:
    """Xero's three origins; every URL the connector calls is derived from them."""

    login_base: str = "https://login.xero.com"
    identity_base: str = "https://identity.xero.com"
    api_base: str = "https://api.xero.com"

    @property
    def authorize_url(self) -> str:
        return f"{self.login_base.rstrip('/')}/identity/connect/authorize"

    @property
    def token_url(self) -> str:
        return f"{self.identity_base.rstrip('/')}/connect/token"

    @property
    def revocation_url(self) -> str:
        return f"{self.identity_base.rstrip('/')}/connect/revocation"

    @property
    def discovery_url(self) -> str:
        return f"{self.identity_base.rstrip('/')}/.well-known/openid-configuration"

    @property
    def connections_url(self) -> str:
        return f"{self.api_base.rstrip('/')}/connections"

    @property
    def accounting_url(self) -> str:
        return f"{self.api_base.rstrip('/')}/api.xro/2.0"


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the user, and the secrets to keep until the callback.

    The URL carries the state and nonce in its query, so the repr shows neither.
    """

    url: str = field(repr=False)
    state: str = field(repr=False)
    code_verifier: str = field(repr=False)
    nonce: str = field(repr=False)

    def __repr__(self) -> str:
        return f"AuthorizationRequest(url={self.url.split('?', 1)[0]!r}?...)"


@dataclass(frozen=True)
class TenantConnection:
    """One entry of Xero's ``GET /connections``."""

    id: str
    tenant_id: str
    tenant_type: str
    tenant_name: str | None
    auth_event_id: str | None

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> TenantConnection:
        return cls(
            id=str(item["id"]),
            tenant_id=str(item["tenantId"]),
            tenant_type=str(item.get("tenantType") or "ORGANISATION"),
            tenant_name=item.get("tenantName"),
            auth_event_id=item.get("authEventId"),
        )


def token_response_error(exc: Exception) -> XeroError | XeroUnavailable | XeroRateLimited:
    """Classify a failure of a token-endpoint call (authlib or httpx)."""
    if isinstance(exc, OAuthError):
        error = str(exc.error or "oauth_error")
        if error == "invalid_grant":
            return InvalidGrant(exc.description)
        return XeroOAuthError(error, exc.description)
    if isinstance(exc, httpx.HTTPStatusError):
        status = exc.response.status_code
        if status == 429:
            retry_after = exc.response.headers.get("Retry-After")
            return XeroRateLimited(
                retry_after=float(retry_after) if retry_after else None,
                problem=exc.response.headers.get("X-Rate-Limit-Problem"),
            )
        if status >= 500:
            return XeroUnavailable(f"Xero's token endpoint answered HTTP {status}")
        return XeroOAuthError(f"http_{status}")
    if isinstance(exc, httpx.TimeoutException):
        return XeroUnavailable("Xero's token endpoint did not answer in time")
    if isinstance(exc, httpx.TransportError):
        return XeroUnavailable(f"Xero's token endpoint could not be reached ({type(exc).__name__})")
    return XeroUnavailable(
        f"Xero's token endpoint gave an unreadable answer ({type(exc).__name__})"
    )


_DISCOVERY_FIELDS = ("issuer", "jwks_uri")


def _unreadable(what: str, exc: Exception) -> XeroUnavailable:
    """A 2xx answer we cannot read (not JSON, fields missing): as good as no answer."""
    return XeroUnavailable(f"Xero's {what} gave an unreadable answer ({type(exc).__name__})")


def _token_set(data: dict[str, Any], asked_at: datetime) -> TokenSet:
    """A 2xx token answer as a TokenSet; one missing or mistyped field makes it unreadable."""
    try:
        return TokenSet.from_token_response(data, now=asked_at)
    except (KeyError, TypeError, ValueError) as exc:
        raise _unreadable("token endpoint", exc) from exc


def _has_oauth_error(response: httpx.Response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and isinstance(body.get("error"), str)


def _check_token_response(response: httpx.Response) -> httpx.Response:
    """authlib's hook before it parses a token answer: it reads any JSON body as a token.

    A 429 or 5xx must be classified by its status (rate limited, unavailable), not by whatever
    its body says, and a 4xx without an OAuth ``error`` must not pass for a token answer.
    """
    status = response.status_code
    if status == 429 or status >= 500 or (status >= 400 and not _has_oauth_error(response)):
        raise httpx.HTTPStatusError(
            f"token endpoint answered HTTP {status}", request=response.request, response=response
        )
    return response


def _check_refresh_response(response: httpx.Response) -> httpx.Response:
    """A refresh answer must carry the new refresh token itself.

    authlib quietly keeps the token it sent when an answer has none; Xero rotates on every
    refresh, so storing the sent token would lose the grant once its grace ran out.
    """
    if response.status_code < 300:
        try:
            body = response.json()
        except ValueError:
            body = None  # authlib's parse fails on it and is classified as unreadable
        if isinstance(body, dict) and not isinstance(body.get("refresh_token"), str):
            raise ValueError("a refresh answer without a refresh_token")
    return response


class XeroIdentity:
    """Typed access to Xero's identity service for one Xero app (client id and secret)."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        endpoints: XeroEndpoints,
        http: httpx.AsyncClient,
        timeout: float = 30.0,
    ) -> None:
        self.client_id = client_id
        self.endpoints = endpoints
        self._http = http
        # authlib's client keeps the last token on itself; we never rely on that and read each
        # answer immediately (no await between parsing and returning), so one client is shared.
        self._oauth = AsyncOAuth2Client(
            client_id=client_id,
            client_secret=client_secret,
            token_endpoint_auth_method="client_secret_basic",  # noqa: S106
            timeout=timeout,
        )
        self._oauth.register_compliance_hook("access_token_response", _check_token_response)
        self._oauth.register_compliance_hook("refresh_token_response", _check_token_response)
        self._oauth.register_compliance_hook("refresh_token_response", _check_refresh_response)
        self._discovery: dict[str, Any] | None = None
        self._discovery_at = 0.0
        self._jwks: KeySet | None = None
        # Set by the composition root: /connections calls then count in the app-wide limit.
        self.limiter: Limiter | None = None

    def __repr__(self) -> str:
        return f"XeroIdentity(client_id={self.client_id!r}, endpoints={self.endpoints!r})"

    async def aclose(self) -> None:
        await self._oauth.aclose()

    def authorization_request(
        self, *, redirect_uri: str, scopes: list[str]
    ) -> AuthorizationRequest:
        """A fresh state, PKCE verifier and nonce, and the authorize URL that carries them."""
        state = secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(48)
        nonce = secrets.token_urlsafe(24)
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "scope": " ".join(scopes),
                "state": state,
                "code_challenge": create_s256_code_challenge(verifier),
                "code_challenge_method": "S256",
                "nonce": nonce,
            }
        )
        return AuthorizationRequest(
            f"{self.endpoints.authorize_url}?{query}", state, verifier, nonce
        )

    async def _token_call(self, call: Callable[[], Awaitable[Any]]) -> dict[str, Any]:
        try:
            data = await call()
        except Exception as exc:
            raise token_response_error(exc) from exc
        if not isinstance(data, dict) or "access_token" not in data:
            raise XeroUnavailable("Xero's token endpoint answered without an access token")
        return dict(data)

    async def exchange_code(self, *, code: str, code_verifier: str, redirect_uri: str) -> TokenSet:
        """Exchange an authorization code (single use) for a token set."""
        asked_at = datetime.now(UTC)
        data = await self._token_call(
            lambda: self._oauth.fetch_token(
                self.endpoints.token_url,
                grant_type="authorization_code",
                code=code,
                redirect_uri=redirect_uri,
                code_verifier=code_verifier,
            )
        )
        return _token_set(data, asked_at)

    async def refresh(self, refresh_token: str) -> TokenSet:
        """Refresh; the answer carries a NEW refresh token (the old one lives on for the grace)."""
        asked_at = datetime.now(UTC)
        data = await self._token_call(
            lambda: self._oauth.refresh_token(self.endpoints.token_url, refresh_token=refresh_token)
        )
        return _token_set(data, asked_at)

    async def revoke(self, refresh_token: str) -> None:
        """Revoke a refresh token (and with it every connection of that consent).

        A token Xero no longer knows (``invalid_grant``) counts as revoked.
        """
        try:
            response = await self._oauth.revoke_token(
                self.endpoints.revocation_url,
                token=refresh_token,
                token_type_hint="refresh_token",  # noqa: S106
            )
        except Exception as exc:
            raise token_response_error(exc) from exc
        if response.status_code < 300:
            return
        error = token_response_error(
            httpx.HTTPStatusError("", request=response.request, response=response)
        )
        try:
            body = response.json()
        except ValueError:
            body = {}
        if isinstance(body, dict) and body.get("error") == "invalid_grant":
            return
        raise error

    async def _discovery_document(self) -> dict[str, Any]:
        if self._discovery is None or time.monotonic() - self._discovery_at > DISCOVERY_TTL_SECONDS:
            response = await send(self._http, "GET", self.endpoints.discovery_url)
            raise_for_xero_status(response)
            try:
                document = response.json()
                if not all(isinstance(document.get(name), str) for name in _DISCOVERY_FIELDS):
                    raise ValueError("issuer or jwks_uri missing")
            except (AttributeError, ValueError) as exc:
                raise _unreadable("discovery document", exc) from exc
            self._discovery = dict(document)
            self._discovery_at = time.monotonic()
            self._jwks = None
        return self._discovery

    async def _key_set(self, *, refresh: bool = False) -> KeySet:
        if self._jwks is None or refresh:
            discovery = await self._discovery_document()
            response = await send(self._http, "GET", str(discovery["jwks_uri"]))
            raise_for_xero_status(response)
            try:
                document = response.json()
                if not isinstance(document, dict):
                    raise TypeError("the JWKS is not an object")
                self._jwks = KeySet.import_key_set(cast(KeySetSerialization, document))
            except (JoseError, KeyError, TypeError, ValueError) as exc:
                raise _unreadable("JWKS", exc) from exc
        return self._jwks

    async def verify_id_token(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        """Verify signature (RS256, JWKS from discovery), iss, aud, exp and nonce; return claims."""
        discovery = await self._discovery_document()
        try:
            try:
                token = jwt.decode(id_token, await self._key_set(), algorithms=["RS256"])
            except JoseError:
                # Xero may have rotated its signing key: fetch the JWKS once more, then give up.
                token = jwt.decode(
                    id_token, await self._key_set(refresh=True), algorithms=["RS256"]
                )
            registry = jwt.JWTClaimsRegistry(
                leeway=ID_TOKEN_LEEWAY_SECONDS,
                iss={"essential": True, "value": discovery["issuer"]},
                aud={"essential": True, "value": self.client_id},
                exp={"essential": True},
                nonce={"essential": True, "value": nonce},
            )
            registry.validate(token.claims)
        except (JoseError, ValueError) as exc:
            raise InvalidIdToken(f"id_token rejected: {type(exc).__name__}") from exc
        return dict(token.claims)

    async def list_connections(
        self, access_token: str, *, auth_event_id: str | None = None
    ) -> list[TenantConnection]:
        """The organisations this access token reaches (only those of one consent when filtered)."""
        params = {"authEventId": auth_event_id} if auth_event_id else None
        response = await send(
            self._http,
            "GET",
            self.endpoints.connections_url,
            limiter=self.limiter,
            params=params,
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
        )
        raise_for_xero_status(response)
        try:
            items = response.json()
            if not isinstance(items, list):
                raise TypeError("not a list")
            return [TenantConnection.from_json(item) for item in items]
        except (KeyError, TypeError, ValueError) as exc:
            raise _unreadable("/connections", exc) from exc

    async def delete_connection(self, access_token: str, connection_id: str) -> None:
        """Disconnect one organisation at Xero; a 404 (already gone) counts as done."""
        response = await send(
            self._http,
            "DELETE",
            f"{self.endpoints.connections_url}/{connection_id}",
            limiter=self.limiter,
            headers={"Authorization": f"Bearer {access_token}"},
        )
        if response.status_code == 404:
            return
        raise_for_xero_status(response)
