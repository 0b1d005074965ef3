"""Identity state: sign-in transactions, authorization codes, grants, refresh tokens, connections.

A *grant* is one user's consent to one client (the chain of refresh tokens that follows one
code exchange). A *connection* is per (user, client, tenant) and outlives grants: re-consenting
an organisation keeps its connection id and stamps the new auth event on it; revoking a grant
removes the connections of every tenant that grant covered, even where a later consent
re-stamped them. Whenever a connection disappears, every grant of that user and client stops
reaching the tenant (``World.disconnected``), so accounting calls answer 403 while refreshing
still works, as in Xero.

Codes and refresh tokens are stored under their SHA-256, so no repr or snapshot can leak them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from xero_connector.sandbox.identity.users import User
from xero_connector.sandbox.world import World


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass
class AuthorizeRequest:
    """The validated parameters of one authorize call, carried through the sign-in pages."""

    client_id: str
    redirect_uri: str
    scope: str
    state: str | None
    nonce: str | None
    code_challenge: str | None


@dataclass
class LoginTransaction:
    """One pass through the sign-in, MFA and consent pages (``txn`` in their forms)."""

    txn_id: str
    request: AuthorizeRequest
    expires_at: float
    user: User | None = None
    needs_mfa: bool = False


@dataclass
class AuthCode:
    """An issued authorization code (single use, ``config.code_seconds`` of sandbox time)."""

    request: AuthorizeRequest
    user: User
    tenant_ids: tuple[str, ...]
    auth_event_id: str
    expires_at: float
    grant_id: str | None = None  # set once exchanged


@dataclass
class Grant:
    """One consent: a user, a client, the tenants chosen, and its refresh-token chain."""

    grant_id: str
    user: User
    client_id: str
    scope: str
    tenant_ids: tuple[str, ...]
    auth_event_id: str
    session_id: str
    revoked: bool = False


@dataclass
class RefreshRecord:
    """A refresh token's life: issued, first used (the grace period counts from there), revoked."""

    grant_id: str
    issued_at: float
    used_at: float | None = None


@dataclass
class Connection:
    """A user's connection of one tenant to one client (what ``GET /connections`` lists)."""

    connection_id: str
    user_id: str
    client_id: str
    tenant_id: str
    auth_event_id: str
    created: datetime
    updated: datetime


@dataclass
class IdentityStore:
    """All identity state of one sandbox; ``reset`` empties it."""

    world: World
    transactions: dict[str, LoginTransaction] = field(default_factory=dict)
    codes: dict[str, AuthCode] = field(default_factory=dict)  # by sha256(code)
    grants: dict[str, Grant] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshRecord] = field(default_factory=dict)  # by sha256(token)
    connections: dict[str, Connection] = field(default_factory=dict)

    def reset(self) -> None:
        self.transactions.clear()
        self.codes.clear()
        self.grants.clear()
        self.refresh_tokens.clear()
        self.connections.clear()

    # -- consent ---------------------------------------------------------------------------------

    def connect(self, user: User, client_id: str, tenant_ids: tuple[str, ...]) -> str:
        """Record a consent: upsert the tenants' connections; return the new auth event id."""
        auth_event_id = self.world.new_id()
        now = datetime.now(UTC)
        for tenant_id in tenant_ids:
            existing = self._find(user.user_id, client_id, tenant_id)
            if existing is None:
                connection_id = self.world.new_id()
                self.connections[connection_id] = Connection(
                    connection_id, user.user_id, client_id, tenant_id, auth_event_id, now, now
                )
            else:
                existing.auth_event_id = auth_event_id
                existing.updated = now
            for grant in self._grants_of(user.user_id, client_id):
                self.world.disconnected[grant.grant_id].discard(tenant_id)
        return auth_event_id

    # -- connections -----------------------------------------------------------------------------

    def list_connections(
        self, user_id: str, client_id: str, auth_event_id: str | None = None
    ) -> list[Connection]:
        found = [
            c
            for c in self.connections.values()
            if c.user_id == user_id and c.client_id == client_id
        ]
        if auth_event_id is not None:
            found = [c for c in found if c.auth_event_id.lower() == auth_event_id.lower()]
        return sorted(found, key=lambda c: (c.created, c.connection_id))

    def delete_connection(self, user_id: str, client_id: str, connection_id: str) -> bool:
        connection = self.connections.get(connection_id.lower())
        if connection is None or (connection.user_id, connection.client_id) != (
            user_id,
            client_id,
        ):
            return False
        self._remove(connection)
        return True

    def disconnect_tenant(self, tenant_id: str) -> int:
        """Remove every connection to ``tenant_id`` (a disconnect made inside Xero)."""
        doomed = [c for c in self.connections.values() if c.tenant_id == tenant_id]
        for connection in doomed:
            self._remove(connection)
        # tokens issued before any connection existed (world.issue_test_token) lose it too
        for record in self.world.access_tokens.values():
            if tenant_id in record.tenant_ids:
                self.world.disconnected[record.grant_id].add(tenant_id)
        return len(doomed)

    def revoke_grant(self, grant: Grant) -> int:
        """Revoke a grant's refresh tokens and remove the connections of the tenants it covered."""
        grant.revoked = True
        removed = 0
        for tenant_id in grant.tenant_ids:
            connection = self._find(grant.user.user_id, grant.client_id, tenant_id)
            if connection is not None:
                self._remove(connection)
                removed += 1
            self.world.disconnected[grant.grant_id].add(tenant_id)
        return removed

    def _remove(self, connection: Connection) -> None:
        del self.connections[connection.connection_id]
        for grant in self._grants_of(connection.user_id, connection.client_id):
            self.world.disconnected[grant.grant_id].add(connection.tenant_id)

    def _find(self, user_id: str, client_id: str, tenant_id: str) -> Connection | None:
        for connection in self.connections.values():
            if (connection.user_id, connection.client_id, connection.tenant_id) == (
                user_id,
                client_id,
                tenant_id,
            ):
                return connection
        return None

    def _grants_of(self, user_id: str, client_id: str) -> list[Grant]:
        return [
            g
            for g in self.grants.values()
            if g.user.user_id == user_id and g.client_id == client_id
        ]

    # -- inspection ------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, object]:
        """Identity state without any secret (no codes, no tokens)."""
        return {
            "grants": [
                {
                    "grant_id": g.grant_id,
                    "user": g.user.email,
                    "client_id": g.client_id,
                    "tenant_ids": list(g.tenant_ids),
                    "auth_event_id": g.auth_event_id,
                    "scope": g.scope,
                    "revoked": g.revoked,
                    "live_refresh_tokens": sum(
                        1 for r in self.refresh_tokens.values() if r.grant_id == g.grant_id
                    ),
                }
                for g in self.grants.values()
            ],
            "connections": [
                {
                    "id": c.connection_id,
                    "user": c.user_id,
                    "client_id": c.client_id,
                    "tenantId": c.tenant_id,
                    "authEventId": c.auth_event_id,
                }
                for c in self.connections.values()
            ],
            "pending_codes": sum(1 for c in self.codes.values() if c.grant_id is None),
        }
