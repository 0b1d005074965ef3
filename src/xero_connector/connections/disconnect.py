"""The disconnect state machine, driven by rows.

A disconnect request changes, in its own transaction (committed before anything is sent):
- the connection: ``disconnected``, and Xero's ``DELETE /connections/{xero id}`` owed
  (``remote_delete_due_at`` = now, ``remote_delete_attempts`` = 0);
- its grant: its end owed (``revocation_due_at``, kept if already set).

What is owed is then worked off by ``settle_connection`` and ``settle_grant`` here, the one path
the request (a first try right after its commit), the retry jobs and the sweeper all take:

1. **Remote delete** of a connection still ``disconnected`` with a delete owed, re-read after the
   commit (a reconnect may have re-made it: then nothing is sent). Skipped, audited, while
   another live row names the same Xero connection (Xero keeps one per user, app and
   organisation). Sent with the grant's access token (a refused one refreshed once); a 404 or
   403 counts as done. Settled by a compare-and-set on the row as it was read; a reconnect that
   slipped in while the DELETE was in flight is noticed there, and the new grant's organisations
   are checked at Xero. A grant that cannot give out tokens, or a second refusal, abandons the
   delete (audited). Any other failure is an attempt: retried after a jittered backoff, given up
   (audited) after ``max_attempts``. Settling a delete makes the grant's end owed again.
2. **The grant's end** (``connections.forget.grant_fate``): kept while a live connection uses it
   or a delete it must send is still owed (the settled delete re-marks it); destroyed locally
   while its Xero user is live on another grant; otherwise revoked at Xero, then destroyed. A
   failed revocation is an attempt like a delete's; giving up destroys the tokens here anyway.

Every step re-reads its row and is safe to run any number of times, concurrently too: the rows,
not the caller, say what is owed. Retries are enqueued with ``defer_until`` once their booking
commits; the sweeper finds any that were lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from xero_connector.audit import Actor, AuditAction, Target, audit
from xero_connector.connections.access import ConnectionDeleter, GrantTokens
from xero_connector.connections.forget import GrantFate, audit_local_shred, grant_fate
from xero_connector.connections.remote_delete import (
    audit_remote_delete,
    delete_at_xero,
    skip_if_shared,
)
from xero_connector.db.base import utcnow
from xero_connector.db.models import Connection
from xero_connector.db.repos import connections, grants
from xero_connector.db.repos.connections import OwedDelete
from xero_connector.errors import AppError
from xero_connector.jobs import ids
from xero_connector.jobs.dispatch import Dispatcher
from xero_connector.logs import get_logger
from xero_connector.tokens.backoff import Backoff
from xero_connector.tokens.errors import GrantUnavailable
from xero_connector.vault import VaultError
from xero_connector.xero.errors import XeroAuthError, XeroDisconnected

log = get_logger(__name__)

WORKER = Actor("system:disconnect", "worker")
# About a day of tries: 30 s, 1 min, 2 min, ... capped at 6 h.
OWED_BACKOFF = Backoff(base_seconds=30.0, cap_seconds=6 * 3600.0)
MAX_ATTEMPTS = 12
REVOKE_REASON = "no live connection uses the grant"


@dataclass(frozen=True)
class DisconnectWork:
    """Marks disconnects owed and works off what the rows say is owed (module docstring)."""

    sessions: async_sessionmaker[AsyncSession]
    tokens: GrantTokens
    remote: ConnectionDeleter
    dispatcher: Dispatcher | None = None
    clock: Callable[[], datetime] = utcnow
    backoff: Backoff = OWED_BACKOFF
    max_attempts: int = MAX_ATTEMPTS

    async def mark_disconnected(
        self, session: AsyncSession, connection: Connection, *, actor: Actor
    ) -> None:
        """The request's part, in the caller's transaction (flushed, not committed).

        An already disconnected connection is left as it is (audited as such).
        """
        now = self.clock()
        already = connection.status == "disconnected"
        if not already:
            connection.status = "disconnected"
            connection.status_reason = "disconnected on request"
            connection.disconnected_at = now
            connection.remote_delete_due_at = now
            connection.remote_delete_attempts = 0
            connection.updated_at = now
            await session.flush()
            await grants.mark_end_due(session, connection.grant_id, at=now)
        await audit(
            session,
            actor,
            AuditAction.CONNECTION_DISCONNECT,
            Target.connection(connection.id),
            connection.workspace_id,
            result="already_disconnected" if already else "ok",
            tenant_id=connection.tenant_id,
        )

    async def settle_connection(
        self, connection_id: str, *, actor: Actor = WORKER, due_by: datetime | None = None
    ) -> str:
        """Work off the connection's owed delete, then its grant's end; the delete's outcome.

        With ``due_by``, only work due by then is done (a request does not jump a backoff).
        """
        claim: OwedDelete | None = None
        async with self.sessions() as session:
            row = await connections.read_connection(session, connection_id)
            if row is None:
                return "nothing owed"
            grant_id = row.grant_id
            owed = row.remote_delete_due_at is not None and row.status == "disconnected"
            outcome = "not due" if owed else "nothing owed"
            if owed and (due_by is None or _due(row.remote_delete_due_at, due_by)):
                claim = OwedDelete.of(row)
                if await skip_if_shared(session, claim, at=self.clock(), actor=actor):
                    claim, outcome = None, "shared"
                await session.commit()
        if claim is not None:
            outcome = await self._delete(claim, actor)
        await self.settle_grant(grant_id, actor=actor, due_by=due_by)
        return outcome

    async def _delete(self, claim: OwedDelete, actor: Actor) -> str:
        abandoned: str | None = None
        failure: str | None = None
        try:
            await delete_at_xero(self.tokens, self.remote, claim)
        except XeroDisconnected:
            pass  # already removed inside Xero
        except GrantUnavailable as exc:
            abandoned = exc.code
        except XeroAuthError:
            abandoned = "access_token_refused"
        except Exception as exc:  # an attempt, whatever it was; the rows still say it is owed
            _log_failure("remote delete of connection", claim.connection_id, exc)
            failure = type(exc).__name__
        now = self.clock()
        retry_at: datetime | None = None
        async with self.sessions() as session:
            if failure is not None:
                outcome, retry_at = await self._delete_failed(session, claim, failure, now, actor)
            else:
                settled = await connections.settle_remote_delete(
                    session, claim, deleted=abandoned is None, at=now
                )
                if settled:
                    await grants.mark_end_due(session, claim.grant_id, at=now)
                if settled and abandoned is not None:
                    await audit_remote_delete(session, claim, actor, "abandoned", reason=abandoned)
                outcome = "deleted" if abandoned is None else "abandoned"
                if not settled:
                    outcome = await self._lost_race(session, claim)
            await session.commit()
        if outcome == "abandoned":
            log.warning(
                "remote_delete_abandoned",
                connection_id=claim.connection_id,
                reason=abandoned,
                note="it may still be connected at Xero",
            )
        if retry_at is not None:
            job_id = ids.remote_delete_job_id(claim.connection_id, retry_at)
            await self._enqueue(ids.DELETE_REMOTE_CONNECTION, claim.connection_id, job_id, retry_at)
        return outcome

    async def _delete_failed(
        self, session: AsyncSession, claim: OwedDelete, error: str, now: datetime, actor: Actor
    ) -> tuple[str, datetime | None]:
        """Book the failed attempt: the next one's time, or the give-up after the last."""
        attempts = claim.attempts + 1
        if attempts < self.max_attempts:
            due = now + timedelta(seconds=self.backoff.delay(attempts))
            if await connections.book_remote_delete_retry(session, claim, due_at=due):
                return "retry", due
            return "settled elsewhere", None
        if not await connections.settle_remote_delete(session, claim, deleted=False, at=now):
            return "settled elsewhere", None
        await grants.mark_end_due(session, claim.grant_id, at=now)
        await audit_remote_delete(session, claim, actor, "gave_up", attempts=attempts, error=error)
        log.warning(
            "remote_delete_given_up",
            connection_id=claim.connection_id,
            attempts=attempts,
            error=error,
        )
        return "gave_up", None

    async def _lost_race(self, session: AsyncSession, claim: OwedDelete) -> str:
        """The row changed while the DELETE was in flight: settled by another run, or re-made.

        A reconnect re-uses the Xero connection of the same user and organisation, so our DELETE
        may have removed the new one: ask Xero which organisations the new grant still reaches.
        """
        row = await connections.read_connection(session, claim.connection_id)
        if row is None or row.status == "disconnected":
            return "settled elsewhere"
        log.warning("remote_delete_raced_reconnect", connection_id=claim.connection_id)
        grant = await grants.read_grant(session, row.grant_id)
        if grant is not None:
            job_id = ids.check_connections_job_id(grant.id, grant.refresh_generation)
            await self._enqueue(ids.CHECK_CONNECTIONS, grant.id, job_id)
        return "reconnected"

    async def settle_grant(
        self, grant_id: str, *, actor: Actor = WORKER, due_by: datetime | None = None
    ) -> str:
        """Work off the grant's owed end, if it is owed (and due by ``due_by``)."""
        async with self.sessions() as session:
            grant = await grants.read_grant(session, grant_id)
            if grant is None or grant.revocation_due_at is None:
                return "nothing owed"
            if due_by is not None and not _due(grant.revocation_due_at, due_by):
                return "not due"
            attempts, workspace_id = grant.revocation_attempts, grant.workspace_id
            fate = await grant_fate(session, grant_id)
            if fate in (GrantFate.GONE, GrantFate.IN_USE, GrantFate.WAIT):
                await grants.cancel_end(session, grant_id)
                await session.commit()
                return "cancelled"
        if fate is GrantFate.SHRED:
            await self.tokens.forget_grant(grant_id, revoke=False)
            async with self.sessions() as session:
                await audit_local_shred(session, grant_id, workspace_id=workspace_id, actor=actor)
                await session.commit()
            log.info(
                "grant_shredded_unrevoked", grant_id=grant_id, reason="xero_user_live_elsewhere"
            )
            return "shredded"
        try:
            await self.tokens.forget_grant(grant_id, revoke=True)
        except Exception as exc:  # an attempt, whatever it was; the rows still say it is owed
            _log_failure("revocation of grant", grant_id, exc)
            return await self._revoke_failed(grant_id, workspace_id, attempts, exc, actor)
        await self._audit_revoke(grant_id, workspace_id, actor, "ok")
        return "revoked"

    async def _revoke_failed(
        self, grant_id: str, workspace_id: str, attempts: int, exc: Exception, actor: Actor
    ) -> str:
        error = type(exc).__name__
        if attempts + 1 >= self.max_attempts:
            # The consent stays live at Xero until it lapses unused; the tokens go here.
            await self.tokens.forget_grant(grant_id, revoke=False)
            await self._audit_revoke(
                grant_id, workspace_id, actor, "gave_up", attempts=attempts + 1, error=error
            )
            log.warning("revocation_given_up", grant_id=grant_id, note="destroyed here only")
            return "gave_up"
        due = self.clock() + timedelta(seconds=self.backoff.delay(attempts + 1))
        async with self.sessions() as session:
            booked = await grants.book_end_retry(
                session, grant_id, attempts=attempts, due_at=due, error=error
            )
            if booked and attempts == 0:
                await _audit_revoke(session, grant_id, workspace_id, actor, "revocation_owed")
            await session.commit()
        if booked:
            await self._enqueue(ids.REVOKE_GRANT, grant_id, ids.revoke_job_id(grant_id, due), due)
        return "retry"

    async def _audit_revoke(
        self, grant_id: str, workspace_id: str, actor: Actor, result: str, **detail: int | str
    ) -> None:
        async with self.sessions() as session:
            await _audit_revoke(session, grant_id, workspace_id, actor, result, **detail)
            await session.commit()

    async def _enqueue(
        self, job: str, row_id: str, job_id: str, due: datetime | None = None
    ) -> None:
        """Enqueue follow-up work (a booked retry deferred to its due time, with the id the
        sweeper would give it). Best effort: the rows still say what is owed."""
        if self.dispatcher is None:
            return
        try:
            await self.dispatcher.enqueue(job, row_id, job_id=job_id, defer_until=due)
        except Exception:
            log.exception("enqueue_failed", job=job, row_id=row_id)


async def _audit_revoke(
    session: AsyncSession,
    grant_id: str,
    workspace_id: str,
    actor: Actor,
    result: str,
    **detail: int | str,
) -> None:
    await audit(
        session,
        actor,
        AuditAction.GRANT_REVOKE,
        Target.grant(grant_id),
        workspace_id,
        result=result,
        reason=REVOKE_REASON,
        **detail,
    )


def _log_failure(what: str, row_id: str, exc: Exception) -> None:
    """A failed attempt (retried): info; a warning with its traceback when the error is not
    one of ours (a bug, most likely)."""
    if isinstance(exc, AppError | VaultError):
        log.info("owed_work_failed", what=what, row_id=row_id, error=type(exc).__name__)
    else:
        log.warning("owed_work_failed", what=what, row_id=row_id, exc_info=True)


def _due(due_at: datetime | None, by: datetime) -> bool:
    return due_at is not None and due_at <= by
