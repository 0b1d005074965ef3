"""SQL for ``oauth_states``: pending authorizations, looked up by the sha256 of their state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.models import OAuthState


async def add_state(session: AsyncSession, state: OAuthState) -> OAuthState:
    """Insert a pending state (its id must be set: the sealed secret is bound to it)."""
    session.add(state)
    await session.flush()
    return state


async def find_state(session: AsyncSession, state_hash: str) -> OAuthState | None:
    """The pending (or consumed, or expired) state with this hash."""
    result = await session.execute(select(OAuthState).where(OAuthState.state_hash == state_hash))
    return result.scalar_one_or_none()


async def consume_state(session: AsyncSession, state_id: str, *, now: datetime) -> bool:
    """Mark a state used and drop its sealed secret; False when another request consumed it
    first (single use).

    A conditional UPDATE rather than a read-then-write, so two callbacks racing with the same
    state cannot both win, on Postgres (row lock, re-checked predicate) and SQLite alike. The
    caller's row object keeps the values it was read with (no synchronisation, sessions do not
    expire on commit): that is where the callback still finds the verifier and nonce.
    """
    result = await session.execute(
        update(OAuthState)
        .where(OAuthState.id == state_id, OAuthState.consumed_at.is_(None))
        .values(consumed_at=now, secret_ciphertext=None, data_key_wrapped=None, kek_id=None)
        .execution_options(synchronize_session=False)
    )
    await session.flush()
    return bool(getattr(result, "rowcount", 0) == 1)


async def delete_stale_states(session: AsyncSession, *, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` states that expired before ``before`` (the sweeper's); how many."""
    stale = (
        select(OAuthState.id)
        .where(OAuthState.expires_at < before)
        .order_by(OAuthState.expires_at)
        .limit(limit)
    )
    result = await session.execute(
        delete(OAuthState)
        .where(OAuthState.id.in_(stale.scalar_subquery()))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
