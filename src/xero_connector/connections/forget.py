"""What becomes of a grant once no live connection uses it: revoked, or destroyed locally.

Revoking a refresh token removes at Xero the connections of every organisation its consent
covered, also those a later consent of the same Xero user re-used (Xero keeps one connection per
user, app and organisation). So a grant is revoked only when no live connection on any other
grant belongs to the same Xero user; otherwise it is crypto-shredded here and nothing is sent to
Xero, as a reconnect does with the grant it replaces. A grant whose connections still owe Xero a
``DELETE /connections`` is not shredded locally yet (that delete needs its tokens): the
owed-delete job decides its fate again once the delete is settled.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.audit import Actor, AuditAction, Target, audit
from xero_connector.db.repos.connections import (
    grant_has_live_connections,
    grant_has_owed_remote_deletes,
    same_user_live_elsewhere,
)
from xero_connector.db.repos.grants import read_grant

SHRED_REASON = "the same Xero user has a live connection on another grant; not revoked at Xero"


class GrantFate(StrEnum):
    """What to do with a grant now (``grant_fate``)."""

    GONE = "gone"  # no such grant, or its tokens are destroyed already
    IN_USE = "in_use"  # a live connection uses it: keep it
    WAIT = "wait"  # to be shredded locally once its owed remote deletes are settled
    SHRED = "shred"  # destroy locally, do not revoke
    REVOKE = "revoke"  # revoke at Xero, then destroy


async def grant_fate(session: AsyncSession, grant_id: str) -> GrantFate:
    """Decide from the rows as they are now (see the module docstring)."""
    grant = await read_grant(session, grant_id)
    if grant is None or grant.token_ciphertext is None:
        return GrantFate.GONE
    if await grant_has_live_connections(session, grant_id):
        return GrantFate.IN_USE
    if not await same_user_live_elsewhere(session, grant):
        return GrantFate.REVOKE
    if await grant_has_owed_remote_deletes(session, grant_id):
        return GrantFate.WAIT
    return GrantFate.SHRED


async def audit_local_shred(
    session: AsyncSession, grant_id: str, *, workspace_id: str, actor: Actor
) -> None:
    """The audit event of a grant destroyed locally because its Xero user is live elsewhere."""
    await audit(
        session,
        actor,
        AuditAction.GRANT_SHRED,
        Target.grant(grant_id),
        workspace_id,
        reason=SHRED_REASON,
    )
