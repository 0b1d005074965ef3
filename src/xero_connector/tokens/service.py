"""TokenService: the one way the rest of the service gets a Xero access token.

Within a process, concurrent callers wanting a refresh of the same grant share one in-flight
refresh (one task per grant; callers await it shielded, so a cancelled caller never cancels the
refresh others wait for, nor leaves a token call unrecorded). Across processes the refresh is
serialised by the grant lock (see ``tokens.refresh``). The service opens its own sessions and
commits them itself: the refresh start must commit before the token call, and the new token set
before anyone sees it, whatever transaction the caller has open.

SQLite (dev) note: do not hold an uncommitted write in your own session while calling the
service; SQLite allows one writer and the service writes from its own session.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from xero_connector.db.base import utcnow
from xero_connector.db.repos import grants
from xero_connector.errors import TransientError
from xero_connector.logs import get_logger
from xero_connector.tokens.errors import GrantNotFound
from xero_connector.tokens.locks import GrantLocks
from xero_connector.tokens.refresh import (
    GrantRefresher,
    RefreshClient,
    RefreshPolicy,
    RefreshRequest,
    ensure_usable,
    is_due,
)
from xero_connector.tokens.sealing import TokenVault, open_tokens
from xero_connector.xero.tokenset import TokenSet

log = get_logger(__name__)

# A stored access token this close to expiry is not handed out even if a refresh failed.
MIN_VALIDITY = timedelta(seconds=60)
# last_used_at is written at most this often per grant.
USED_RESOLUTION = timedelta(seconds=60)


class TokenService:
    """Fresh access tokens on demand, scheduled refreshes, and revoke-and-shred of grants.

    Takes plain values only (no Settings): ``session_factory`` of the service's database,
    ``vault`` (``xero_connector.vault.Vault``), ``identity`` (``XeroIdentity``), ``locks``
    (``PgAdvisoryGrantLocks`` on Postgres, ``LocalGrantLocks`` in dev), and a ``policy``.
    """

    def __init__(
        self,
        *,
        session_factory: async_sessionmaker[AsyncSession],
        vault: TokenVault,
        identity: RefreshClient,
        locks: GrantLocks,
        policy: RefreshPolicy | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = session_factory
        self._vault = vault
        self._identity = identity
        self._locks = locks
        self.policy = policy or RefreshPolicy()
        self._clock = clock
        self._refresher = GrantRefresher(
            session_factory=session_factory,
            vault=vault,
            identity=identity,
            locks=locks,
            policy=self.policy,
            clock=clock,
        )
        self._inflight: dict[str, asyncio.Task[TokenSet]] = {}

    async def access_token(self, grant_id: str, *, mark_used: bool = True) -> str:
        """A valid access token for ``grant_id``, refreshed first if it expires within the margin.

        Marks the grant as used (it becomes "in use" for the refresh-ahead cron) unless
        ``mark_used`` is False: housekeeping calls (the ``/connections`` check after a scheduled
        refresh) must not make an idle grant look busy, or it would be refreshed ahead forever.
        Raises ``GrantNeedsReauth``/``GrantShredded``/``GrantNotFound`` when the grant cannot give
        out tokens, and ``TransientError`` when Xero cannot be reached and the stored token is
        about to expire.
        """
        return (await self.token_set(grant_id, mark_used=mark_used)).access_token

    async def token_set(self, grant_id: str, *, mark_used: bool = True) -> TokenSet:
        """Like ``access_token`` but the whole set (the id token, scopes and expiry)."""
        now = self._clock()
        async with self._sessions() as session:
            grant = ensure_usable(await grants.read_grant(session, grant_id), grant_id)
            if mark_used:
                await grants.touch_used(session, grant_id, now, every=USED_RESOLUTION)
                await session.commit()
            tokens = open_tokens(self._vault, grant)
            due = is_due(grant, now, self.policy, keepalive=False)
        if not due:
            return tokens
        try:
            return await self.refresh(grant_id)
        except TransientError:
            if tokens.expires_at > self._clock() + MIN_VALIDITY:
                return tokens
            raise

    async def refreshed_access_token(self, grant_id: str, *, refused: str) -> str:
        """An access token in place of ``refused``, which Xero answered 401 to.

        Refreshes unless someone already replaced the refused token (then that one is returned);
        raises like ``access_token``.
        """
        return (await self.refresh(grant_id, refused_access_token=refused)).access_token

    async def refresh(
        self,
        grant_id: str,
        *,
        expected_generation: int | None = None,
        keepalive: bool = False,
        refused_access_token: str | None = None,
    ) -> TokenSet:
        """Refresh if due, sharing an in-flight refresh of the same grant in this process.

        With ``expected_generation`` (scheduled jobs) nothing is sent if the grant has moved past
        it. With ``refused_access_token`` the refresh is due while that token is still stored.
        Returns the fresh (or already fresh) token set.
        """
        task = self._inflight.get(grant_id)
        if task is not None and refused_access_token is not None:
            shared = await asyncio.shield(task)
            if shared.access_token != refused_access_token:
                return shared
            task = None  # it kept the refused token: our own refresh queues behind its lock
        if task is None:
            request = RefreshRequest(
                expected_generation=expected_generation,
                keepalive=keepalive,
                refused_access_token=refused_access_token,
            )
            task = asyncio.create_task(self._refresher.refresh(grant_id, request))
            self._inflight[grant_id] = task
            task.add_done_callback(lambda done: self._forget(grant_id, done))
        return await asyncio.shield(task)

    async def drain(self) -> None:
        """Wait for the in-flight refreshes (at shutdown: let a sent token call be stored)."""
        while pending := [task for task in self._inflight.values() if not task.done()]:
            await asyncio.gather(*pending, return_exceptions=True)

    def _forget(self, grant_id: str, task: asyncio.Task[TokenSet]) -> None:
        if self._inflight.get(grant_id) is task:
            del self._inflight[grant_id]
        if not task.cancelled():
            task.exception()  # retrieved here, so an unawaited failure is never reported as lost

    async def forget_grant(self, grant_id: str, *, revoke: bool) -> None:
        """Crypto-shred a grant's tokens, revoking the refresh token at Xero first if ``revoke``.

        Holds the refresh lock so no refresh rotates the token mid-way. Revocation removes every
        connection of the consent at Xero, so owed remote deletes of its connections are settled.
        Idempotent: an already shredded grant only has its ``revocation_due_at`` cleared. A
        transient failure of the revocation leaves everything as it was (the caller retries).
        Without ``revoke`` (an old grant replaced by a reconnect) nothing is sent to Xero.
        """
        async with self._locks.hold(grant_id), self._sessions() as session:
            grant = await grants.read_grant(session, grant_id)
            if grant is None:
                raise GrantNotFound(grant_id)
            now = self._clock()
            if grant.token_ciphertext is not None:
                if revoke:
                    await self._identity.revoke(open_tokens(self._vault, grant).refresh_token)
                status = "revoked" if revoke else "shredded"
            else:
                status = grant.status
            await grants.shred_grant(
                session, grant_id, status=status, at=now, settle_remote_deletes=revoke
            )
            await session.commit()
        log.info("grant_shredded", grant_id=grant_id, revoked_at_xero=revoke)
