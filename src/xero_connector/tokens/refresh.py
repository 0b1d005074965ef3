"""The refresh algorithm, run while holding the grant's refresh lock.

Order of events for one refresh (each step's commit happens before the next step starts):

1. Take the per-grant lock (``tokens.locks``): at most one refresh per grant in flight anywhere.
2. Re-read the row. If the generation moved on or the tokens are no longer due (another process
   refreshed while we waited for the lock), use the stored set: no token call.
3. Commit ``refresh_started_at`` (kept if already set: the grace runs from the first send). The
   stored refresh token is NOT replaced; it is what we are about to send.
4. Send the stored refresh token. If a previous attempt died after sending it (the start mark is
   set), this resend is inside Xero's grace and yields a new set instead of ``invalid_grant``.
5. Seal the new set and write it with a compare-and-set on ``refresh_generation`` (bumping it and
   clearing the start mark); commit; only then hand the new access token to anyone.

Failures: ``invalid_grant`` is retried once with the same token while inside the grace, after
re-reading the row; if it persists, the grant and its connections become ``needs_reauth`` (with an
audit event). Transient failures (5xx, 429, timeouts) set a jittered backoff (``next_attempt_at``)
and never count as an auth failure. Every later refresh honours the backoff, on demand or
scheduled, in any process: step 2 raises ``RefreshBackingOff`` while it runs. The start mark
stays so the next attempt resends the same token, and the backoff never schedules that resend
after the grace has run out.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from xero_connector import metrics
from xero_connector.audit import TOKEN_REFRESH, AuditAction, Target, audit
from xero_connector.db.base import utcnow
from xero_connector.db.models import XeroGrant
from xero_connector.db.repos import connections, grants
from xero_connector.errors import AppError, TransientError
from xero_connector.logs import get_logger
from xero_connector.tokens.backoff import Backoff
from xero_connector.tokens.errors import (
    GrantNeedsReauth,
    GrantNotFound,
    GrantShredded,
    GrantUnavailable,
    RefreshBackingOff,
)
from xero_connector.tokens.locks import GrantLocks
from xero_connector.tokens.sealing import TokenVault, open_tokens, seal_tokens
from xero_connector.xero.errors import InvalidGrant
from xero_connector.xero.tokenset import TokenSet

log = get_logger(__name__)

# A refresh token already sent is resent at the latest this long before its grace ends (the
# sweeper runs every 30 s by default, and the resend itself takes up to a timeout).
GRACE_LAST_TRY_LEAD = timedelta(minutes=2)


class RefreshClient(Protocol):
    """The token-endpoint calls the token layer makes (``xero.identity.XeroIdentity``)."""

    async def refresh(self, refresh_token: str) -> TokenSet: ...

    async def revoke(self, refresh_token: str) -> None: ...


@dataclass(frozen=True)
class RefreshPolicy:
    """Timing of refreshes; plain values, filled from settings at the composition root."""

    margin: timedelta = timedelta(seconds=600)
    grace: timedelta = timedelta(seconds=1800)
    keepalive_after: timedelta = timedelta(seconds=86400)
    backoff: Backoff = field(default_factory=Backoff)
    grace_retry_pause_seconds: float = 1.0


@dataclass(frozen=True)
class RefreshRequest:
    """Why a refresh is wanted.

    ``expected_generation``: a scheduled job's generation; if the row has moved past it, the job's
    work was done by someone else. ``keepalive``: also refresh a grant whose token is fresh but
    that was not refreshed for the keep-alive age. ``refused_access_token``: Xero answered 401 to
    this access token; refresh while it is still the stored one, however fresh it looks.
    """

    expected_generation: int | None = None
    keepalive: bool = False
    refused_access_token: str | None = field(default=None, repr=False)

    def refuses(self, tokens: TokenSet) -> bool:
        refused = self.refused_access_token
        return refused is not None and hmac.compare_digest(refused, tokens.access_token)


def ensure_usable(grant: XeroGrant | None, grant_id: str) -> XeroGrant:
    """The grant if it can give out tokens; otherwise the matching GrantUnavailable."""
    if grant is None:
        raise GrantNotFound(grant_id)
    if grant.status == "needs_reauth":
        raise GrantNeedsReauth(grant_id)
    if grant.token_ciphertext is None:
        raise GrantShredded(grant_id)
    if grant.status != "active":
        raise GrantUnavailable(grant_id, f"grant {grant_id} is {grant.status}")
    return grant


def is_due(grant: XeroGrant, now: datetime, policy: RefreshPolicy, *, keepalive: bool) -> bool:
    """True if the grant needs a token call now (started-and-unfinished counts as due)."""
    if grant.refresh_started_at is not None:
        return True
    if grant.access_expires_at is None or grant.access_expires_at <= now + policy.margin:
        return True
    if keepalive:
        last = grant.refreshed_at or grant.created_at
        return last is None or last <= now - policy.keepalive_after
    return False


class GrantRefresher:
    """Runs the locked refresh of one grant (see the module docstring for the invariants)."""

    def __init__(
        self,
        *,
        session_factory: async_sessionmaker[AsyncSession],
        vault: TokenVault,
        identity: RefreshClient,
        locks: GrantLocks,
        policy: RefreshPolicy,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = session_factory
        self._vault = vault
        self._identity = identity
        self._locks = locks
        self._policy = policy
        self._clock = clock

    async def refresh(self, grant_id: str, request: RefreshRequest) -> TokenSet:
        """Return a token set that is fresh, calling Xero only if no one else already did."""
        async with self._locks.hold(grant_id):
            async with self._sessions() as session:
                grant = ensure_usable(await grants.read_grant(session, grant_id), grant_id)
                tokens = open_tokens(self._vault, grant)
                now = self._clock()
                generation = grant.refresh_generation
                moved_on = (
                    request.expected_generation is not None
                    and generation != request.expected_generation
                )
                due = is_due(grant, now, self._policy, keepalive=request.keepalive)
                if moved_on or not (due or request.refuses(tokens)):
                    return tokens
                if grant.next_attempt_at is not None and grant.next_attempt_at > now:
                    # Xero failed the last attempt (429, 5xx): nobody, in any process, calls
                    # again before the backoff ends. On-demand callers keep a still-valid token.
                    wait = (grant.next_attempt_at - now).total_seconds()
                    raise RefreshBackingOff(grant_id, retry_after=wait)
                resumed = grant.refresh_started_at is not None
                started_at = grant.refresh_started_at or now
                if not await grants.mark_refresh_started(session, grant_id, generation, now):
                    raise TransientError(f"grant {grant_id} changed while starting a refresh")
                await session.commit()
            return await self._send_and_store(grant_id, generation, tokens, started_at, resumed)

    async def _send_and_store(
        self,
        grant_id: str,
        generation: int,
        tokens: TokenSet,
        started_at: datetime,
        resumed: bool,
    ) -> TokenSet:
        try:
            fresh, retried = await self._send(
                grant_id, generation, tokens.refresh_token, started_at
            )
        except InvalidGrant as exc:
            metrics.token_refresh("invalid_grant")
            await self._give_up(grant_id, generation, exc)
            raise GrantNeedsReauth(grant_id) from exc
        except AppError as exc:
            metrics.token_refresh("transient" if isinstance(exc, TransientError) else "error")
            await self._record_failure(grant_id, generation, exc)
            raise
        if isinstance(fresh, _AlreadyStored):
            return fresh.tokens
        # A token sent before (an attempt that never finished) or resent after invalid_grant
        # answered inside Xero's grace: the lost answer was recovered.
        metrics.token_refresh("grace_recovered" if resumed or retried else "ok")
        sealed = seal_tokens(self._vault, grant_id, fresh)
        async with self._sessions() as session:
            stored = await grants.store_refreshed(
                session, grant_id, generation, sealed.as_values(), self._clock()
            )
            await session.commit()
            if stored:
                return fresh
            # Only reachable if the lock was lost (e.g. its connection dropped): someone else
            # wrote a newer set with the same refresh token inside the grace. Theirs wins.
            log.error("refresh_lost_compare_and_set", grant_id=grant_id, using="the stored set")
            grant = ensure_usable(await grants.read_grant(session, grant_id), grant_id)
            return open_tokens(self._vault, grant)

    async def _send(
        self, grant_id: str, generation: int, refresh_token: str, started_at: datetime
    ) -> tuple[TokenSet | _AlreadyStored, bool]:
        """The token call, with one grace retry of ``invalid_grant`` after re-reading the row.

        Returns the answer and whether it came from the grace retry.
        """
        retried = False
        while True:
            try:
                return await self._identity.refresh(refresh_token), retried
            except InvalidGrant:
                async with self._sessions() as session:
                    grant = await grants.read_grant(session, grant_id)
                if grant is not None and grant.refresh_generation != generation:
                    stored = open_tokens(self._vault, ensure_usable(grant, grant_id))
                    return _AlreadyStored(stored), retried
                inside_grace = self._clock() - started_at <= self._policy.grace
                if retried or not inside_grace:
                    raise
                retried = True
                log.warning("refresh_invalid_grant_in_grace", grant_id=grant_id, retrying="once")
                await asyncio.sleep(self._policy.grace_retry_pause_seconds)

    async def _give_up(self, grant_id: str, generation: int, exc: InvalidGrant) -> None:
        async with self._sessions() as session:
            reason = "Xero refused the refresh token (invalid_grant); reconnect to Xero"
            now = self._clock()
            workspace_id = await grants.mark_needs_reauth(
                session, grant_id, generation=generation, reason=reason, at=now
            )
            changed: list[str] = []
            if workspace_id is not None:
                changed = await connections.mark_grant_connections_needs_reauth(
                    session, grant_id, reason=reason, at=now
                )
                await audit(
                    session,
                    TOKEN_REFRESH,
                    AuditAction.GRANT_NEEDS_REAUTH,
                    Target.grant(grant_id),
                    workspace_id,
                    result="needs_reauth",
                    reason=reason[:200],
                    connection_ids=changed,
                )
            await session.commit()
        log.warning("grant_needs_reauth", grant_id=grant_id, connections_paused=len(changed))

    async def _record_failure(self, grant_id: str, generation: int, exc: AppError) -> None:
        async with self._sessions() as session:
            grant = await grants.read_grant(session, grant_id)
            failures = (grant.failure_count if grant else 0) + 1
            retry_after = exc.retry_after if isinstance(exc, TransientError) else None
            now = self._clock()
            next_attempt_at = now + timedelta(
                seconds=self._policy.backoff.delay(failures, retry_after=retry_after)
            )
            if grant is not None and grant.refresh_started_at is not None:
                # The stored refresh token may have reached Xero: resending it works only inside
                # the grace, so the backoff must not push the next try past it (Retry-After may).
                last_chance = grant.refresh_started_at + self._policy.grace - GRACE_LAST_TRY_LEAD
                floor = now + timedelta(seconds=retry_after or 0)
                if now < last_chance < next_attempt_at:
                    next_attempt_at = max(last_chance, floor)
            await grants.record_failure(
                session,
                grant_id,
                generation,
                error=f"{type(exc).__name__}: {exc.detail}",
                next_attempt_at=next_attempt_at,
            )
            await session.commit()
        delay = (next_attempt_at - now).total_seconds()
        log.warning(
            "refresh_failed", grant_id=grant_id, error=exc.code, next_try_seconds=round(delay)
        )


@dataclass(frozen=True)
class _AlreadyStored:
    tokens: TokenSet
