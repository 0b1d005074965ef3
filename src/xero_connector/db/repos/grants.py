"""SQL for ``xero_grants``: one row per user consent, its token set sealed by the vault."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

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
