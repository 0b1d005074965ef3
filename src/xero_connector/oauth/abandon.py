"""What a callback does when a consent Xero already granted cannot be stored.

The code exchange has issued a token set and Xero holds a live consent for it; dropping it would
leave that consent live at Xero with nothing here to use or revoke it. It is revoked (best
effort) unless revoking would cut off a live connection: revocation removes, at Xero, its user's
connections to every organisation the consent covered, also ones made by an earlier consent of
the same user (the rule disconnects follow too).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.repos.connections import consent_reaches_live_connections
from xero_connector.logs import get_logger
from xero_connector.xero.identity import TenantConnection, XeroIdentity
from xero_connector.xero.tokenset import TokenSet

log = get_logger(__name__)


async def rollback_quietly(session: AsyncSession) -> None:
    """Roll the session back; a database that is gone cannot make this fail."""
    try:
        await session.rollback()
    except Exception as exc:
        log.warning("callback_rollback_failed", error=type(exc).__name__)


async def abandon_consent(
    session: AsyncSession,
    identity: XeroIdentity,
    tokens: TokenSet,
    *,
    xero_user_id: str | None,
    tenants: list[TenantConnection],
) -> bool:
    """Revoke the unstored consent when that is safe; True when Xero confirmed the revocation.

    When the check cannot be made (the database is down) nothing is revoked: a consent left
    live is a leak, a wrong revocation would disconnect someone.
    """
    try:
        if await consent_reaches_live_connections(
            session,
            xero_user_id=xero_user_id,
            xero_connection_ids=[tenant.id for tenant in tenants],
        ):
            log.info("callback_consent_kept", reason="its Xero user is connected elsewhere")
            return False
        await identity.revoke(tokens.refresh_token)
    except Exception as exc:
        log.warning("callback_consent_not_revoked", error=type(exc).__name__)
        await rollback_quietly(session)
        return False
    return True
