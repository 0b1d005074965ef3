"""A respx fake of Xero's token endpoint with refresh rotation and a grace period.

Counts calls, rotations and invalid_grant answers; ``drop_next`` applies a refresh and then
raises a read timeout (the answer is lost); ``fail_next`` answers a status instead. It also
serves ``GET /connections``: the tenants of the grant an access token belongs to (``tenants``;
remove one to disconnect it "inside Xero").
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs

import httpx
import respx

from xero_connector.xero.identity import XeroEndpoints, XeroIdentity

ENDPOINTS = XeroEndpoints(
    login_base="https://login.tokens-fake.test",
    identity_base="https://identity.tokens-fake.test",
    api_base="https://api.tokens-fake.test",
)


@dataclass
class _RefreshToken:
    grant: str
    used_at: float | None = None


@dataclass
class FakeTokenEndpoint:
    grace_seconds: float = 1800.0
    tokens: dict[str, _RefreshToken] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)
    calls: int = 0
    rotations: int = 0
    invalid_grant: int = 0
    revocations: int = 0
    drop_next: int = 0
    fail_next: list[int] = field(default_factory=list)
    latency: float = 0.0
    retry_after: int | None = None
    tenants: dict[str, set[str]] = field(default_factory=dict)
    access: dict[str, str] = field(default_factory=dict)
    connections_calls: int = 0

    def issue(self, grant: str) -> str:
        token = secrets.token_urlsafe(24)
        self.tokens[token] = _RefreshToken(grant)
        return token

    def connect(self, grant: str, access_token: str, tenant_id: str) -> None:
        """Know ``access_token`` as the grant's and list ``tenant_id`` under it."""
        self.access[access_token] = grant
        self.tenants.setdefault(grant, set()).add(tenant_id)

    def revoke_grant(self, grant: str) -> None:
        self.revoked.add(grant)

    async def token(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.latency:
            import asyncio

            await asyncio.sleep(self.latency)
        if self.fail_next:
            headers = {"Retry-After": str(self.retry_after)} if self.retry_after else {}
            return httpx.Response(
                self.fail_next.pop(0), json={"Detail": "fake outage"}, headers=headers
            )
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        record = self.tokens.get(form.get("refresh_token", ""))
        now = time.monotonic()
        if record is None or record.grant in self.revoked:
            self.invalid_grant += 1
            return httpx.Response(400, json={"error": "invalid_grant"})
        if record.used_at is not None and now - record.used_at >= self.grace_seconds:
            self.invalid_grant += 1
            return httpx.Response(400, json={"error": "invalid_grant"})
        if record.used_at is None:
            record.used_at = now
        self.rotations += 1
        access_token = f"access-{secrets.token_hex(8)}"
        self.access[access_token] = record.grant
        body = {
            "access_token": access_token,
            "refresh_token": self.issue(record.grant),
            "expires_in": 1800,
            "token_type": "Bearer",
            "scope": "offline_access accounting.settings",
        }
        if self.drop_next:
            self.drop_next -= 1
            raise httpx.ReadTimeout("answer lost")
        return httpx.Response(200, json=body)

    async def revoke(self, request: httpx.Request) -> httpx.Response:
        self.revocations += 1
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        record = self.tokens.get(form.get("token", ""))
        if record is not None:
            self.revoked.add(record.grant)
        return httpx.Response(200)

    async def connections(self, request: httpx.Request) -> httpx.Response:
        self.connections_calls += 1
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        grant = self.access.get(token)
        if grant is None:
            return httpx.Response(401, json={"Detail": "TokenInvalid"})
        listed = [
            {"id": f"conn-{tenant}", "tenantId": tenant, "tenantType": "ORGANISATION"}
            for tenant in sorted(self.tenants.get(grant, set()))
        ]
        return httpx.Response(200, json=listed)

    def mount(self, router: respx.MockRouter) -> None:
        router.post(ENDPOINTS.token_url).mock(side_effect=self.token)
        router.post(ENDPOINTS.revocation_url).mock(side_effect=self.revoke)
        router.get(ENDPOINTS.connections_url).mock(side_effect=self.connections)


def make_identity(http: httpx.AsyncClient) -> XeroIdentity:
    return XeroIdentity(
        client_id="tokens-client",
        client_secret="tokens-secret-value",
        endpoints=ENDPOINTS,
        http=http,
        timeout=5.0,
    )
