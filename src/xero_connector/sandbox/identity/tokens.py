"""What ``/connect/token`` and ``/connect/revocation`` do, apart from HTTP: exchange a code,
rotate a refresh token (with the grace period), revoke. Errors are :class:`OAuthError`.

Time: codes, the grace period and refresh-token lifetime are measured in sandbox time; the
JWTs' own ``iat``/``exp`` are real epoch seconds (clients check them against their own clocks)
and ``expires_in`` is the access token's lifetime in real seconds (1800 at time scale 1).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from typing import Any

from xero_connector.sandbox.identity.keys import SigningKey
from xero_connector.sandbox.identity.store import (
    AuthCode,
    AuthorizeRequest,
    Grant,
    IdentityStore,
    RefreshRecord,
    digest,
)
from xero_connector.sandbox.identity.users import User
from xero_connector.sandbox.world import AccessRecord, World

ACCESS_TOKEN_AUDIENCE_SUFFIX = "/resources"  # noqa: S105  (not a secret)


class OAuthError(Exception):
    """An OAuth error answer: ``{"error": code}`` with an HTTP status (400 unless said)."""

    def __init__(self, error: str, status: int = 400, grant_id: str | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.grant_id = grant_id


def pkce_s256(verifier: str) -> str:
    digest_bytes = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest_bytes).rstrip(b"=").decode()


class TokenService:
    """Issues codes and token sets into the store and ``World.access_tokens``."""

    def __init__(self, world: World, store: IdentityStore, key: SigningKey) -> None:
        self.world = world
        self.store = store
        self.key = key

    # -- codes -----------------------------------------------------------------------------------

    def issue_code(self, request: AuthorizeRequest, user: User, tenant_ids: tuple[str, ...]) -> str:
        """Consent given: connect the tenants and return a fresh authorization code."""
        auth_event_id = self.store.connect(user, request.client_id, tenant_ids)
        code = secrets.token_urlsafe(32)
        self.store.codes[digest(code)] = AuthCode(
            request,
            user,
            tenant_ids,
            auth_event_id,
            self.world.clock.now() + self.world.config.code_seconds,
        )
        return code

    def exchange_code(
        self, client_id: str, code: str, redirect_uri: str | None, verifier: str | None, issuer: str
    ) -> dict[str, Any]:
        issued = self.store.codes.get(digest(code)) if code else None
        if issued is None or issued.request.client_id != client_id:
            raise OAuthError("invalid_grant")
        if issued.grant_id is not None:
            raise OAuthError("invalid_grant", grant_id=issued.grant_id)
        if issued.expires_at <= self.world.clock.now():
            raise OAuthError("invalid_grant")
        if redirect_uri != issued.request.redirect_uri:
            raise OAuthError("invalid_grant")
        challenge = issued.request.code_challenge
        if challenge is not None and (
            not verifier or not hmac.compare_digest(pkce_s256(verifier), challenge)
        ):
            raise OAuthError("invalid_grant")
        grant = Grant(
            grant_id=self.world.new_id(),
            user=issued.user,
            client_id=client_id,
            scope=issued.request.scope,
            tenant_ids=issued.tenant_ids,
            auth_event_id=issued.auth_event_id,
            session_id=self.world.new_id().replace("-", ""),
        )
        self.store.grants[grant.grant_id] = grant
        issued.grant_id = grant.grant_id
        body = self._token_set(grant, issuer)
        if "openid" in grant.scope.split():
            body["id_token"] = self._id_token(grant, issuer, issued.request.nonce)
        return body

    # -- refresh ---------------------------------------------------------------------------------

    def refresh(self, client_id: str, token: str, issuer: str) -> dict[str, Any]:
        record = self.store.refresh_tokens.get(digest(token)) if token else None
        if record is None:
            raise OAuthError("invalid_grant")
        grant = self.store.grants[record.grant_id]
        now = self.world.clock.now()
        if grant.revoked or grant.client_id != client_id:
            raise OAuthError("invalid_grant", grant_id=grant.grant_id)
        if now - record.issued_at > self.world.config.refresh_token_seconds:
            raise OAuthError("invalid_grant", grant_id=grant.grant_id)
        if record.used_at is not None:
            if now - record.used_at >= self.world.config.grace_seconds:
                raise OAuthError("invalid_grant", grant_id=grant.grant_id)
            self.world.stats.grace_reuses[grant.grant_id] += 1
        else:
            record.used_at = now
        self.world.stats.rotations[grant.grant_id] += 1
        return self._token_set(grant, issuer)

    # -- revocation ------------------------------------------------------------------------------

    def revoke(self, client_id: str, token: str) -> None:
        """Revoke the grant a refresh token belongs to; unknown tokens are ignored (RFC 7009)."""
        record = self.store.refresh_tokens.get(digest(token)) if token else None
        if record is None:
            return
        grant = self.store.grants[record.grant_id]
        if grant.client_id != client_id:
            raise OAuthError("invalid_client")  # IdentityServer refuses another client's token
        self.store.revoke_grant(grant)

    # -- token set -------------------------------------------------------------------------------

    def _token_set(self, grant: Grant, issuer: str) -> dict[str, Any]:
        config = self.world.config
        lifetime = self.world.clock.real_seconds(config.access_token_seconds)
        now = int(time.time())
        scopes = grant.scope.split()
        claims = {
            "nbf": now,
            "exp": now + int(lifetime),
            "iss": issuer,
            "aud": issuer + ACCESS_TOKEN_AUDIENCE_SUFFIX,
            "client_id": grant.client_id,
            "sub": grant.user.subject,
            "auth_time": now,
            "xero_userid": grant.user.user_id,
            "global_session_id": grant.session_id,
            "sid": grant.session_id,
            "jti": secrets.token_hex(16),
            "authentication_event_id": grant.auth_event_id,
            "scope": scopes,
            "amr": ["pwd"],
        }
        access_token = self.key.sign(claims)
        self.world.access_tokens[access_token] = AccessRecord(
            frozenset(grant.tenant_ids),
            self.world.clock.now() + config.access_token_seconds,
            grant.grant_id,
            grant.auth_event_id,
            grant.client_id,
        )
        body: dict[str, Any] = {
            "access_token": access_token,
            "expires_in": int(lifetime),
            "token_type": "Bearer",
            "scope": grant.scope,
        }
        if "offline_access" in scopes:  # Xero issues refresh tokens only with offline_access
            refresh_token = secrets.token_urlsafe(32)
            self.store.refresh_tokens[digest(refresh_token)] = RefreshRecord(
                grant.grant_id, self.world.clock.now()
            )
            body["refresh_token"] = refresh_token
        return body

    def _id_token(self, grant: Grant, issuer: str, nonce: str | None) -> str:
        user = grant.user
        now = int(time.time())
        claims: dict[str, Any] = {
            "nbf": now,
            "iat": now,
            "exp": now + 300,
            "iss": issuer,
            "aud": grant.client_id,
            "sub": user.subject,
            "auth_time": now,
            "xero_userid": user.user_id,
            "global_session_id": grant.session_id,
            "sid": grant.session_id,
            "preferred_username": user.email,
            "email": user.email,
            "given_name": user.given_name,
            "family_name": user.family_name,
            "name": f"{user.given_name} {user.family_name}",
            "amr": ["mfa", "pwd"] if user.mfa_code else ["pwd"],
        }
        if nonce is not None:
            claims["nonce"] = nonce
        return self.key.sign(claims)
