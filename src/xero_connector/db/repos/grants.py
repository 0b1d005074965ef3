"""SQL for ``xero_grants``: one row per user consent, its token set sealed by the vault."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from xero_connector.db.models import Connection, XeroGrant

LIVE_CONNECTION_STATUSES = ("active", "needs_reauth")


async def add_grant(session: AsyncSession, grant: XeroGrant) -> XeroGrant:
    """Insert a grant (its id must be set: the sealed token set is bound to it)."""
    session.add(grant)
    await session.flush()
    return grant


async def get_grant(session: AsyncSession, grant_id: str) -> XeroGrant | None:
    return await session.get(XeroGrant, grant_id)


async def grant_has_live_connections(session: AsyncSession, grant_id: str) -> bool:
    """True while a connection that is not disconnected still uses this grant."""
    query = select(
        exists().where(
            Connection.grant_id == grant_id,
            Connection.status.in_(LIVE_CONNECTION_STATUSES),
        )
    )
    return bool(await session.scalar(query))


async def same_user_live_elsewhere(session: AsyncSession, grant: XeroGrant) -> bool:
    """True while a live connection on ANOTHER grant belongs to the same Xero user.

    Revoking a refresh token removes, at Xero, the connections of every organisation its consent
    covered, including ones a later consent of the same user re-used (Xero keeps one connection
    per user, app and organisation). Such a grant must be destroyed locally, never revoked.
    A grant without a known Xero user still counts a live row on another grant that names one of
    its own Xero connections.
    """
    other_grant = aliased(XeroGrant)
    own_xero_connections = select(Connection.xero_connection_id).where(
        Connection.grant_id == grant.id
    )
    same_user = (
        other_grant.xero_user_id == grant.xero_user_id
        if grant.xero_user_id is not None
        else false()
    )
    query = select(
        exists()
        .where(
            Connection.grant_id == other_grant.id,
            Connection.grant_id != grant.id,
            Connection.status.in_(LIVE_CONNECTION_STATUSES),
        )
        .where(or_(same_user, Connection.xero_connection_id.in_(own_xero_connections)))
    )
    return bool(await session.scalar(query))


async def shred_grant(session: AsyncSession, grant: XeroGrant, *, now: datetime) -> None:
    """Crypto-shred: drop the ciphertext and its wrapped data key; the tokens are gone for good."""
    grant.token_ciphertext = None
    grant.data_key_wrapped = None
    grant.kek_id = None
    grant.access_expires_at = None
    grant.revocation_due_at = None
    grant.next_attempt_at = None
    grant.status = "shredded"
    # Bump the fencing counter: a refresh of this grant in flight elsewhere must not write back.
    grant.refresh_generation += 1
    grant.refresh_started_at = None
    grant.updated_at = now
    await session.flush()


async def mark_revocation_due(
    session: AsyncSession, grant: XeroGrant, *, now: datetime, error: str
) -> None:
    """Revocation at Xero failed: keep the ciphertext and leave the revocation to a job."""
    grant.revocation_due_at = now
    grant.last_error = error[:500]
    grant.updated_at = now
    await session.flush()
