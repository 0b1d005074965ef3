"""SQL for ``xero_grants``: one row per user consent, its token set sealed by the vault.

Every write that follows a token call is a compare-and-set on ``refresh_generation``: it changes
the row only if no one else wrote a token set since the caller read it. Crypto-shredding bumps
the generation too, so a refresh in flight can never write tokens back into a shredded grant.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.models import Connection, XeroGrant


async def add_grant(session: AsyncSession, grant: XeroGrant) -> XeroGrant:
    """Insert a grant (its id must be set: the sealed token set is bound to it)."""
    session.add(grant)
    await session.flush()
    return grant


async def get_grant(session: AsyncSession, grant_id: str) -> XeroGrant | None:
    return await session.get(XeroGrant, grant_id)


async def read_grant(session: AsyncSession, grant_id: str) -> XeroGrant | None:
    """The grant as the database has it now (never a stale identity-map copy)."""
    result = await session.execute(
        select(XeroGrant).where(XeroGrant.id == grant_id).execution_options(populate_existing=True)
    )
    return result.scalar_one_or_none()


async def mark_refresh_started(
    session: AsyncSession, grant_id: str, generation: int, at: datetime
) -> bool:
    """Record that a refresh of ``generation`` is about to be sent (keeps an earlier start).

    An earlier start is kept because Xero's grace for the stored refresh token runs from the first
    time it was sent. False when the generation moved on meanwhile.
    """
    result = await session.execute(
        update(XeroGrant)
        .where(XeroGrant.id == grant_id, XeroGrant.refresh_generation == generation)
        .values(refresh_started_at=func.coalesce(XeroGrant.refresh_started_at, at))
        .execution_options(synchronize_session=False)
    )
    return _changed(result)


async def store_refreshed(
    session: AsyncSession,
    grant_id: str,
    generation: int,
    sealed_values: dict[str, Any],
    at: datetime,
) -> bool:
    """Write a new token set if the row is still at ``generation``; bump the generation.

    Clears the refresh start and the failure bookkeeping. False (nothing written) when someone
    else wrote a token set since ``generation`` was read.
    """
    result = await session.execute(
        update(XeroGrant)
        .where(XeroGrant.id == grant_id, XeroGrant.refresh_generation == generation)
        .values(
            **sealed_values,
            refresh_generation=generation + 1,
            refreshed_at=at,
            refresh_started_at=None,
            failure_count=0,
            last_error=None,
            next_attempt_at=None,
            updated_at=at,
        )
        .execution_options(synchronize_session=False)
    )
    return _changed(result)


async def record_failure(
    session: AsyncSession,
    grant_id: str,
    generation: int,
    *,
    error: str,
    next_attempt_at: datetime,
) -> None:
    """Count a failed (not refused) refresh and set when to try again.

    ``refresh_started_at`` and the stored refresh token are left alone: the request may have
    reached Xero, and the next attempt must resend the same token inside the grace period.
    """
    await session.execute(
        update(XeroGrant)
        .where(XeroGrant.id == grant_id, XeroGrant.refresh_generation == generation)
        .values(
            failure_count=XeroGrant.failure_count + 1,
            last_error=error[:500],
            next_attempt_at=next_attempt_at,
        )
        .execution_options(synchronize_session=False)
    )


async def mark_needs_reauth(
    session: AsyncSession, grant_id: str, *, generation: int, reason: str, at: datetime
) -> str | None:
    """Mark the grant ``needs_reauth`` if it is still active at ``generation``.

    Returns its workspace id, or None when the generation moved on (someone else refreshed
    successfully and nothing is wrong) or the grant is no longer active.
    """
    result = await session.execute(
        update(XeroGrant)
        .where(
            XeroGrant.id == grant_id,
            XeroGrant.refresh_generation == generation,
            XeroGrant.status == "active",
        )
        .values(
            status="needs_reauth",
            last_error=reason[:500],
            refresh_started_at=None,
            next_attempt_at=None,
            updated_at=at,
        )
        .returning(XeroGrant.workspace_id)
        .execution_options(synchronize_session=False)
    )
    return result.scalar_one_or_none()


async def touch_used(
    session: AsyncSession, grant_id: str, at: datetime, *, every: timedelta
) -> None:
    """Set ``last_used_at`` (at most once per ``every``, to keep hot paths write-light)."""
    await session.execute(
        update(XeroGrant)
        .where(
            XeroGrant.id == grant_id,
            or_(XeroGrant.last_used_at.is_(None), XeroGrant.last_used_at < at - every),
        )
        .values(last_used_at=at)
        .execution_options(synchronize_session=False)
    )


async def due_refreshes(
    session: AsyncSession,
    *,
    now: datetime,
    margin: timedelta,
    in_use_window: timedelta,
    keepalive_after: timedelta,
    limit: int,
) -> list[tuple[str, int]]:
    """``(grant id, generation)`` of active grants whose refresh is due now.

    Due means, unless a backoff (``next_attempt_at``) is still running:
    - a refresh was started and never finished (recover it inside the grace), or
    - in use (used within ``in_use_window``) and the access token expires within ``margin``, or
    - idle but not refreshed for ``keepalive_after`` (the keep-alive; refresh tokens die unused
      after 60 days).
    """
    last_refresh = func.coalesce(XeroGrant.refreshed_at, XeroGrant.created_at)
    result = await session.execute(
        select(XeroGrant.id, XeroGrant.refresh_generation)
        .where(
            XeroGrant.status == "active",
            XeroGrant.token_ciphertext.is_not(None),
            or_(XeroGrant.next_attempt_at.is_(None), XeroGrant.next_attempt_at <= now),
            or_(
                XeroGrant.refresh_started_at.is_not(None),
                (XeroGrant.last_used_at >= now - in_use_window)
                & or_(
                    XeroGrant.access_expires_at.is_(None),
                    XeroGrant.access_expires_at <= now + margin,
                ),
                last_refresh <= now - keepalive_after,
            ),
        )
        .order_by(XeroGrant.access_expires_at)
        .limit(limit)
    )
    return [(row[0], row[1]) for row in result.all()]


async def shred_grant(
    session: AsyncSession,
    grant_id: str,
    *,
    at: datetime,
    status: str = "shredded",
    settle_remote_deletes: bool = False,
) -> None:
    """Destroy the grant's ciphertext and data key (crypto-shredding) and clear its schedule.

    The tokens are gone for good; ``status`` says how (``revoked`` at Xero first, or only
    ``shredded`` here). With ``settle_remote_deletes`` (the consent was revoked at Xero, which
    removes all of its connections there) owed remote deletes of its connections count as done.
    """
    await session.execute(
        update(XeroGrant)
        .where(XeroGrant.id == grant_id)
        .values(
            token_ciphertext=None,
            data_key_wrapped=None,
            kek_id=None,
            status=status,
            access_expires_at=None,
            refresh_started_at=None,
            next_attempt_at=None,
            revocation_due_at=None,
            revocation_attempts=0,
            # Fence: a refresh that was in flight can no longer compare-and-set tokens back in.
            refresh_generation=XeroGrant.refresh_generation + 1,
            updated_at=at,
        )
        .execution_options(synchronize_session=False)
    )
    if settle_remote_deletes:
        await session.execute(
            update(Connection)
            .where(Connection.grant_id == grant_id, Connection.remote_delete_due_at.is_not(None))
            .values(
                remote_delete_due_at=None,
                remote_delete_attempts=0,
                remote_deleted_at=at,
                updated_at=at,
            )
            .execution_options(synchronize_session=False)
        )


async def mark_end_due(session: AsyncSession, grant_id: str, *, at: datetime) -> None:
    """Owe the grant's end (revocation or local shred, once nothing needs it), unless it is
    owed already (its retry time is kept) or its tokens are gone."""
    await session.execute(
        update(XeroGrant)
        .where(
            XeroGrant.id == grant_id,
            XeroGrant.token_ciphertext.is_not(None),
            XeroGrant.revocation_due_at.is_(None),
        )
        .values(revocation_due_at=at, revocation_attempts=0)
        .execution_options(synchronize_session=False)
    )


async def book_end_retry(
    session: AsyncSession, grant_id: str, *, attempts: int, due_at: datetime, error: str
) -> bool:
    """Count a failed revocation (seen at ``attempts``) and set the next try; False if the row
    changed meanwhile (ended, cancelled, or counted by another run)."""
    result = await session.execute(
        update(XeroGrant)
        .where(
            XeroGrant.id == grant_id,
            XeroGrant.token_ciphertext.is_not(None),
            XeroGrant.revocation_due_at.is_not(None),
            XeroGrant.revocation_attempts == attempts,
        )
        .values(revocation_due_at=due_at, revocation_attempts=attempts + 1, last_error=error[:500])
        .execution_options(synchronize_session=False)
    )
    return _changed(result)


async def owed_revocations(
    session: AsyncSession, *, now: datetime, limit: int
) -> list[tuple[str, datetime]]:
    """``(grant id, due at)`` of grants whose end (revocation or local shred) is owed by now."""
    result = await session.execute(
        select(XeroGrant.id, XeroGrant.revocation_due_at)
        .where(XeroGrant.revocation_due_at <= now)
        .order_by(XeroGrant.revocation_due_at)
        .limit(limit)
    )
    return [(row[0], row[1]) for row in result.all() if row[1] is not None]


async def cancel_end(session: AsyncSession, grant_id: str) -> None:
    """Nothing is owed for the grant now (a later disconnect or settled delete owes it again)."""
    await session.execute(
        update(XeroGrant)
        .where(XeroGrant.id == grant_id)
        .values(revocation_due_at=None, revocation_attempts=0)
        .execution_options(synchronize_session=False)
    )


def _changed(result: Any) -> bool:
    return bool(getattr(result, "rowcount", 0))
