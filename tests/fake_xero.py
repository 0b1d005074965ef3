"""A small fake of Xero's identity service and ``/connections``, mounted on respx.

Only Xero's HTTP boundary is faked: discovery, JWKS, token (authorization_code with PKCE S256 and
refresh_token), revocation, and ``GET``/``DELETE /connections``. As at Xero, a connection is per
(user, organisation) and outlives consents: a later consent re-stamps it with its auth event. Its
RSA signing key is made per test. A test plays the user's part with
``consent(authorize_url, tenants)``, which returns the code Xero would redirect back with.
Failures are switched on with the ``fail_*`` attributes.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from xero_connector.xero.identity import XeroEndpoints, XeroIdentity

CLIENT_ID = "fake-client-id"
CLIENT_SECRET = "fake-client-secret-value"
ENDPOINTS = XeroEndpoints(
    login_base="https://login.fake-xero.test",
    identity_base="https://identity.fake-xero.test",
    api_base="https://api.fake-xero.test",
)
ISSUER = ENDPOINTS.identity_base
JWKS_URL = f"{ISSUER}/.well-known/openid-configuration/jwks"

# A failure mode: an OAuth error code ("invalid_grant", ...), a status ("500"), a status with an
# OAuth error body ("500:server_error"), "timeout", or a whole scripted answer (a malformed body).
Failure = str | httpx.Response | None


@dataclass(frozen=True)
class Tenant:
    """An organisation the fake user may pick on the consent screen."""

    tenant_id: str
    name: str
    tenant_type: str = "ORGANISATION"


@dataclass
class _Consent:
    auth_event_id: str
    user_id: str
    nonce: str | None
    code_challenge: str
    redirect_uri: str
    tenants: list[Tenant]
    used: bool = False
    revoked: bool = False


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _failure_response(failure: str | httpx.Response) -> httpx.Response:
    if isinstance(failure, httpx.Response):
        return failure
    if failure == "timeout":
        raise httpx.ReadTimeout("fake Xero did not answer")
    if ":" in failure:  # "500:server_error": a status with an OAuth error body
        status, error = failure.split(":", 1)
        return httpx.Response(int(status), json={"error": error})
    if failure.isdigit():
        return httpx.Response(int(failure), json={"Detail": "fake failure"})
    return httpx.Response(400, json={"error": failure})


@dataclass
class FakeXero:
    """Xero's identity boundary, as far as the connector uses it."""

    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"}))
    user_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    fail_token: Failure = None
    fail_connections: Failure = None
    fail_delete: Failure = None
    fail_revoke: Failure = None
    fail_jwks: Failure = None
    fail_discovery: Failure = None
    access_token_lifetime: int = 1800
    # Changes the id_token's claims before signing (bad aud, nonce, exp, ...).
    id_token_claims: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # Signs id_tokens with this key instead (a bad signature).
    id_token_key: RSAKey | None = None
    omit_auth_event_id: bool = False
    consents: dict[str, _Consent] = field(default_factory=dict)  # by code
    access_tokens: dict[str, tuple[_Consent, float]] = field(default_factory=dict)
    refresh_tokens: dict[str, _Consent] = field(default_factory=dict)
    connections: dict[str, dict[str, Any]] = field(default_factory=dict)  # by connection id
    revoked_tokens: list[str] = field(default_factory=list)
    deleted_connections: list[str] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)

    # -- the user's part -------------------------------------------------------------------------

    def consent(self, authorize_url: str, tenants: list[Tenant]) -> str:
        """Approve the authorization request for ``tenants``; return the code Xero would send."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
        assert query["client_id"] == CLIENT_ID
        assert query["code_challenge_method"] == "S256"
        code = secrets.token_urlsafe(16)
        self.consents[code] = _Consent(
            auth_event_id=str(uuid.uuid4()),
            user_id=self.user_id,
            nonce=query.get("nonce"),
            code_challenge=query["code_challenge"],
            redirect_uri=query["redirect_uri"],
            tenants=list(tenants),
        )
        return code

    def disconnect_in_xero(self, tenant_id: str) -> None:
        """As if the user removed the app from this organisation inside Xero."""
        for connection_id, item in list(self.connections.items()):
            if item["tenantId"] == tenant_id:
                del self.connections[connection_id]

    def refuse_access_tokens(self) -> None:
        """Xero answers 401 to every access token issued so far (refresh tokens still work)."""
        self.access_tokens.clear()

    # -- helpers ---------------------------------------------------------------------------------

    def sign(self, claims: dict[str, Any], key: RSAKey | None = None) -> str:
        key = key or self.key
        header = {"alg": "RS256", "kid": key.kid or "k1", "typ": "JWT"}
        return jwt.encode(header, claims, key)

    def id_token_for(self, consent: _Consent) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "sub": consent.user_id,
            "iat": now,
            "exp": now + 300,
            "nonce": consent.nonce,
            "xero_userid": consent.user_id,
            "email": "owner@example.test",
            "given_name": "Olive",
            "family_name": "Owner",
        }
        if self.id_token_claims is not None:
            claims = self.id_token_claims(claims)
        return self.sign(claims, self.id_token_key)

    def _issue(self, consent: _Consent, *, with_id_token: bool) -> dict[str, Any]:
        now = int(time.time())
        access_claims: dict[str, Any] = {
            "iss": ISSUER,
            "sub": consent.user_id,
            "exp": now + self.access_token_lifetime,
            "xero_userid": consent.user_id,
            "jti": secrets.token_hex(8),
        }
        if not self.omit_auth_event_id:
            access_claims["authentication_event_id"] = consent.auth_event_id
        access = self.sign(access_claims)
        refresh = secrets.token_urlsafe(24)
        self.access_tokens[access] = (consent, now + self.access_token_lifetime)
        self.refresh_tokens[refresh] = consent
        body: dict[str, Any] = {
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": self.access_token_lifetime,
            "token_type": "Bearer",
            "scope": "openid profile email offline_access accounting.settings",
        }
        if with_id_token:
            body["id_token"] = self.id_token_for(consent)
        return body

    def _connect(self, consent: _Consent) -> None:
        for tenant in consent.tenants:
            existing = next(
                (
                    c
                    for c in self.connections.values()
                    if (c["tenantId"], c["userId"]) == (tenant.tenant_id, consent.user_id)
                ),
                None,
            )
            item = existing or {"id": str(uuid.uuid4()), "tenantId": tenant.tenant_id}
            item.update(
                tenantType=tenant.tenant_type,
                tenantName=tenant.name,
                authEventId=consent.auth_event_id,
                userId=consent.user_id,
            )
            self.connections[item["id"]] = item

    def _bearer(self, request: httpx.Request) -> _Consent | None:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        found = self.access_tokens.get(token)
        if found is None or found[1] < time.time() or found[0].revoked:
            return None
        return found[0]

    # -- routes ----------------------------------------------------------------------------------

    def _discovery(self, request: httpx.Request) -> httpx.Response:
        if self.fail_discovery:
            return _failure_response(self.fail_discovery)
        return httpx.Response(
            200,
            json={
                "issuer": ISSUER,
                "authorization_endpoint": ENDPOINTS.authorize_url,
                "token_endpoint": ENDPOINTS.token_url,
                "revocation_endpoint": ENDPOINTS.revocation_url,
                "jwks_uri": JWKS_URL,
            },
        )

    def _jwks(self, request: httpx.Request) -> httpx.Response:
        if self.fail_jwks:
            return _failure_response(self.fail_jwks)
        return httpx.Response(200, json=KeySet([self.key]).as_dict(private=False))

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        self.token_requests.append(form)
        if self.fail_token:
            return _failure_response(self.fail_token)
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return httpx.Response(400, json={"error": "invalid_client"})
        if form.get("grant_type") == "authorization_code":
            consent = self.consents.get(form.get("code", ""))
            if (
                consent is None
                or consent.used
                or form.get("redirect_uri") != consent.redirect_uri
                or _s256(form.get("code_verifier", "")) != consent.code_challenge
            ):
                return httpx.Response(400, json={"error": "invalid_grant"})
            consent.used = True
            self._connect(consent)
            return httpx.Response(200, json=self._issue(consent, with_id_token=True))
        if form.get("grant_type") == "refresh_token":
            consent = self.refresh_tokens.pop(form.get("refresh_token", ""), None)
            if consent is None or consent.revoked:
                return httpx.Response(400, json={"error": "invalid_grant"})
            return httpx.Response(200, json=self._issue(consent, with_id_token=False))
        return httpx.Response(400, json={"error": "unsupported_grant_type"})

    def _revoke(self, request: httpx.Request) -> httpx.Response:
        if self.fail_revoke:
            return _failure_response(self.fail_revoke)
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        token = form.get("token", "")
        self.revoked_tokens.append(token)
        consent = self.refresh_tokens.get(token)
        if consent is not None:
            consent.revoked = True
            # As at Xero: every organisation the consent covered loses the user's connection,
            # also where a later consent of the same user re-stamped it.
            covered = {tenant.tenant_id for tenant in consent.tenants}
            for connection_id, item in list(self.connections.items()):
                if item["userId"] == consent.user_id and item["tenantId"] in covered:
                    del self.connections[connection_id]
        return httpx.Response(200)

    def _list_connections(self, request: httpx.Request) -> httpx.Response:
        if self.fail_connections:
            return _failure_response(self.fail_connections)
        consent = self._bearer(request)
        if consent is None:
            return httpx.Response(401, json={"Detail": "AuthenticationUnsuccessful"})
        wanted = request.url.params.get("authEventId")
        items = [
            {k: v for k, v in item.items() if k != "userId"}
            for item in self.connections.values()
            if item["userId"] == consent.user_id
            and (wanted is None or item["authEventId"] == wanted)
        ]
        return httpx.Response(200, json=items)

    def _delete_connection(self, request: httpx.Request, connection_id: str) -> httpx.Response:
        if self.fail_delete:
            return _failure_response(self.fail_delete)
        if self._bearer(request) is None:
            return httpx.Response(401, json={"Detail": "AuthenticationUnsuccessful"})
        if self.connections.pop(connection_id, None) is None:
            return httpx.Response(404)
        self.deleted_connections.append(connection_id)
        return httpx.Response(204)

    def install(self, router: respx.MockRouter) -> None:
        router.get(ENDPOINTS.discovery_url).mock(side_effect=self._discovery)
        router.get(JWKS_URL).mock(side_effect=self._jwks)
        router.post(ENDPOINTS.token_url).mock(side_effect=self._token)
        router.post(ENDPOINTS.revocation_url).mock(side_effect=self._revoke)
        router.get(ENDPOINTS.connections_url).mock(side_effect=self._list_connections)
        router.delete(url__regex=rf"^{ENDPOINTS.connections_url}/(?P<connection_id>[^/?]+)$").mock(
            side_effect=self._delete_connection
        )


@pytest.fixture
def fake_xero() -> Iterator[FakeXero]:
    """A fresh fake Xero; every httpx call to its origins is answered by it."""
    fake = FakeXero()
    with respx.mock(assert_all_called=False) as router:
        fake.install(router)
        yield fake


@pytest.fixture
async def identity(fake_xero: FakeXero) -> Any:
    """A XeroIdentity pointed at the fake."""
    async with httpx.AsyncClient(timeout=5.0) as http:
        xero = XeroIdentity(
            client_id=CLIENT_ID, client_secret=CLIENT_SECRET, endpoints=ENDPOINTS, http=http
        )
        yield xero
        await xero.aclose()
