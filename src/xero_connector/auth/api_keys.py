"""API keys: ``xck_<prefix>_<secret>``, recognisable, high-entropy, stored as a sha256 hash.

The 12-hex-digit prefix finds the row; the sha256 of the whole key is compared in constant time.
A plain hash is enough because the key carries 256 random bits: there is nothing to brute-force.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.audit import Actor, AuditAction, Target, audit
from xero_connector.auth.policy import KEY_ROLES, Role
from xero_connector.auth.workspace import check_workspace_id
from xero_connector.db.base import utcnow
from xero_connector.db.models import ApiKey
from xero_connector.db.repos import api_keys as repo
from xero_connector.errors import InvalidInput, NotFound

KEY_PREFIX = "xck_"
LAST_USED_RESOLUTION = timedelta(minutes=5)
"""``last_used_at`` is written at most this often per key, to keep reads read-only."""


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A freshly created key: the row and the key itself (shown once, never stored)."""

    row: ApiKey
    key: str = field(repr=False)


def generate_key() -> tuple[str, str]:
    """A new ``(key, prefix)`` pair."""
    prefix = secrets.token_hex(6)
    return f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}", prefix


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def looks_like_api_key(credential: str) -> bool:
    return credential.startswith(KEY_PREFIX)


def _prefix_of(credential: str) -> str | None:
    parts = credential[len(KEY_PREFIX) :].split("_", 1)
    if len(parts) != 2 or len(parts[0]) != 12 or not parts[1]:
        return None
    return parts[0]


async def verify_api_key(session: AsyncSession, credential: str) -> ApiKey | None:
    """The live key row matching ``credential``, or None (unknown, wrong or revoked)."""
    prefix = _prefix_of(credential)
    if prefix is None:
        return None
    row = await repo.get_api_key_by_prefix(session, prefix)
    if row is None or not hmac.compare_digest(row.key_hash, hash_key(credential)):
        return None
    if row.revoked_at is not None:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        await repo.touch_api_key(session, row.id, now)
    return row


async def issue_api_key(
    session: AsyncSession,
    *,
    name: str,
    role: Role,
    workspace_id: str | None,
    actor: str,
    source: str,
    is_dev: bool = False,
) -> IssuedKey:
    """Create a key, store its hash and write an audit event."""
    if role not in KEY_ROLES:
        raise InvalidInput(f"an API key's role is one of: {', '.join(KEY_ROLES)}")
    if not name.strip() or len(name) > 200:
        raise InvalidInput("name must be 1-200 characters")
    if workspace_id is not None:
        check_workspace_id(workspace_id)
    key, prefix = generate_key()
    row = await repo.add_api_key(
        session,
        name=name,
        role=role.value,
        workspace_id=workspace_id,
        prefix=prefix,
        key_hash=hash_key(key),
        is_dev=is_dev,
    )
    await audit(
        session,
        Actor(actor, source),
        AuditAction.API_KEY_CREATE,
        Target.api_key(row.id),
        workspace_id,
        name=name,
        role=role.value,
        dev=is_dev,
    )
    return IssuedKey(row=row, key=key)


async def revoke_api_key(session: AsyncSession, key_id: str, *, actor: str, source: str) -> ApiKey:
    """Revoke a key (idempotent) and write an audit event; 404 for an unknown id."""
    row = await repo.get_api_key(session, key_id)
    if row is None:
        raise NotFound(f"no API key with id {key_id}")
    already = row.revoked_at is not None
    if not already:
        await repo.revoke_api_key(session, row, utcnow())
    await audit(
        session,
        Actor(actor, source),
        AuditAction.API_KEY_REVOKE,
        Target.api_key(row.id),
        row.workspace_id,
        result="already_revoked" if already else "ok",
        name=row.name,
    )
    return row


async def rotate_dev_key(session: AsyncSession, *, source: str) -> IssuedKey:
    """Revoke every live dev key and issue a fresh unbound service key for ``dev``.

    The revoked keys include the previous start's demo-data key (:func:`issue_dev_demo_key`).
    """
    for old in await repo.list_live_dev_keys(session):
        await revoke_api_key(session, old.id, actor="cli", source=source)
    return await issue_api_key(
        session,
        name="dev",
        role=Role.SERVICE,
        workspace_id=None,
        actor="cli",
        source=source,
        is_dev=True,
    )


async def issue_dev_demo_key(session: AsyncSession, *, workspace_id: str, source: str) -> IssuedKey:
    """A dev service key bound to ``workspace_id``, for the integration page's demo data.

    Ingestion is the platform back end's part (an API key, never a dashboard JWT); ``dev`` plays
    that back end, so its page gets this key to post the demo set with. The next ``dev`` start
    revokes it with the other dev keys.
    """
    return await issue_api_key(
        session,
        name="dev demo data",
        role=Role.SERVICE,
        workspace_id=workspace_id,
        actor="cli",
        source=source,
        is_dev=True,
    )
