"""Typed audit events: who did which action to what, with what result.

One call per event::

    await audit(session, actor, AuditAction.GRANT_SHRED, Target.grant(grant_id), workspace_id,
                reason="replaced by a new consent")

The action names and the target prefixes (``connection:``, ``grant:``, ``oauth_state:``,
``api_key:``) exist only here, so every writer spells them alike. Events join the caller's unit
of work (flushed, committed by whoever commits). Detail values go through the secret masking as
a second net; never pass a secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.models import AuditEvent
from xero_connector.db.repos.audit import record_audit


class AuditAction(StrEnum):
    CONNECT_START = "connect.start"
    CONNECT_CALLBACK = "connect.callback"
    CONNECTION_DISCONNECT = "connection.disconnect"
    CONNECTION_REMOTE_DELETE = "connection.remote_delete"
    CONNECTION_DISCONNECTED_IN_XERO = "connection.disconnected_in_xero"
    GRANT_REVOKE = "grant.revoke"
    GRANT_SHRED = "grant.shred"
    GRANT_NEEDS_REAUTH = "grant.needs_reauth"
    API_KEY_CREATE = "api_key.create"
    API_KEY_REVOKE = "api_key.revoke"
    MAPPINGS_REPLACE = "mappings.replace"


TargetKind = Literal["connection", "grant", "oauth_state", "api_key"]


@dataclass(frozen=True)
class Target:
    """What an event is about; ``str()`` is the stored ``kind:id``."""

    kind: TargetKind
    id: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"

    @classmethod
    def connection(cls, connection_id: str) -> Target:
        return cls("connection", connection_id)

    @classmethod
    def grant(cls, grant_id: str) -> Target:
        return cls("grant", grant_id)

    @classmethod
    def oauth_state(cls, state_id: str) -> Target:
        return cls("oauth_state", state_id)

    @classmethod
    def api_key(cls, key_id: str) -> Target:
        return cls("api_key", key_id)


@dataclass(frozen=True)
class Actor:
    """Who acts (``api_key:<id>``, ``jwt:<sub>``, ``cli``, ``system:<part>``) and from where."""

    name: str
    source: str | None = None


TOKEN_REFRESH = Actor("system:token-refresh", "worker")
XERO = Actor("system:xero", "worker")


async def audit(
    session: AsyncSession,
    actor: Actor,
    action: AuditAction,
    target: Target | None,
    workspace_id: str | None,
    *,
    result: str = "ok",
    **detail: Any,
) -> AuditEvent:
    """Add one audit event to the session (committed with the caller's unit of work)."""
    return await record_audit(
        session,
        actor=actor.name,
        action=action.value,
        workspace_id=workspace_id,
        target=str(target) if target is not None else None,
        result=result,
        source=actor.source,
        detail=detail or None,
    )
