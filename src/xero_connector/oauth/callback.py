"""Finish a connection: check the state, exchange the code, verify the id_token, store the grant.

Order of work, so that nothing is half-written:
1. The state is looked up by its hash, checked (known, unexpired, unused) and consumed; that is
   committed at once, so a replay is refused even if what follows fails.
2. Every Xero call (code exchange, id_token check, ``/connections?authEventId=``) happens before
   any write; a failure there becomes a ``CallbackFailed`` with the code the user sees.
3. The grant and its connections are written in the request's transaction, which the request
   dependency commits before the redirect is sent. A consent racing another of the same
   organisation into the same workspace (two tabs, two admins) meets the other's row: it is
   stored again as the reconnect it now is. Any other failure there rolls the writes back,
   revokes the consent Xero just granted when that is safe (``oauth.abandon``) and ends in
   ``error=internal_error``: after a successful exchange the browser always gets an outcome.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.audit import Actor, AuditAction, Target, audit
from xero_connector.db.models import OAuthState
from xero_connector.db.repos.oauth_states import consume_state, find_state
from xero_connector.errors import TransientError
from xero_connector.logs import get_logger
from xero_connector.oauth import outcome as codes
from xero_connector.oauth.abandon import abandon_consent, rollback_quietly
from xero_connector.oauth.consent import store_consent
from xero_connector.oauth.flow import CALLBACK_ACTOR, OAuthFlow
from xero_connector.oauth.outcome import CallbackFailed, CallbackOutcome, InvalidState
from xero_connector.oauth.pending import PendingSecret, hash_state, open_pending
from xero_connector.redaction import redact_text
from xero_connector.vault import VaultError
from xero_connector.xero.errors import XeroError
from xero_connector.xero.identity import InvalidIdToken, TenantConnection
from xero_connector.xero.tokenset import TokenSet

log = get_logger(__name__)


async def complete_callback(
    session: AsyncSession,
    flow: OAuthFlow,
    *,
    state: str | None,
    code: str | None,
    error: str | None,
    source: str | None,
    now: datetime | None = None,
) -> CallbackOutcome:
    """Handle Xero's redirect. Raises ``InvalidState`` (400) for a state we cannot trust."""
    now = now or datetime.now(UTC)
    pending = await _take_state(session, state, source=source, now=now)
    # Plain values: a rollback below expires the row's attributes.
    ref = _StateRef(pending.id, pending.workspace_id, pending.return_url)
    try:
        if error:
            raise CallbackFailed(codes.xero_error_code(error), "Xero reported an error")
        if not code:
            raise CallbackFailed(codes.EXCHANGE_FAILED, "the callback carried no code")
        secret = _open_secret(flow, pending)
        tokens, claims, tenants = await _ask_xero(flow, code, secret)
        connection_ids = await _store(session, flow, ref, tokens, claims, tenants, now)
    except CallbackFailed as failure:
        log.info("callback_failed", error=failure.code, reason=failure.reason)
        detail = {"reason": failure.reason, **failure.detail}
        await _audit_failure(session, ref, failure.code, source, detail)
        return CallbackOutcome(ref.workspace_id, ref.return_url, error=failure.code)
    await _audit(session, ref, "connected", source, {"connection_ids": list(connection_ids)})
    return CallbackOutcome(ref.workspace_id, ref.return_url, connection_ids)


@dataclass(frozen=True)
class _StateRef:
    id: str
    workspace_id: str
    return_url: str | None


async def _store(
    session: AsyncSession,
    flow: OAuthFlow,
    ref: _StateRef,
    tokens: TokenSet,
    claims: dict[str, Any],
    tenants: list[TenantConnection],
    now: datetime,
) -> tuple[str, ...]:
    """``store_consent``, once more after a racing consent's row won; else ``CallbackFailed``."""
    failure: Exception | None = None
    for attempt in (1, 2):
        try:
            return await store_consent(
                session,
                flow,
                workspace_id=ref.workspace_id,
                tokens=tokens,
                claims=claims,
                tenants=tenants,
                now=now,
            )
        except IntegrityError as exc:
            await rollback_quietly(session)
            failure = exc
            if attempt == 1:
                log.info("callback_consent_raced", state_id=ref.id)
        except Exception as exc:
            await rollback_quietly(session)
            failure = exc
            break
    assert failure is not None
    log.error(
        "callback_store_failed",
        state_id=ref.id,
        error=type(failure).__name__,
        exception=redact_text("".join(traceback.format_exception(failure))),
    )
    revoked = await abandon_consent(
        session,
        flow.identity,
        tokens,
        xero_user_id=str(claims["xero_userid"]) if claims.get("xero_userid") else None,
        tenants=tenants,
    )
    raise CallbackFailed(
        codes.INTERNAL_ERROR,
        f"storing the consent failed ({type(failure).__name__})",
        revoked=revoked,
    ) from failure


async def _take_state(
    session: AsyncSession, state: str | None, *, source: str | None, now: datetime
) -> OAuthState:
    """The state's row, consumed and committed; ``InvalidState`` when it cannot be used."""
    row = await find_state(session, hash_state(state)) if state else None
    problem = None
    if row is None:
        problem = "unknown"
    elif row.consumed_at is not None:
        problem = "reused"
    elif row.expires_at <= now:
        problem = "expired"
    elif not await consume_state(session, row.id, now=now):
        problem = "reused"
    if problem is not None:
        if row is None:  # anyone can send these: a log line, not an audit row each
            log.info("callback_state_unknown")
        else:
            await audit(
                session,
                Actor(CALLBACK_ACTOR, source),
                AuditAction.CONNECT_CALLBACK,
                Target.oauth_state(row.id),
                row.workspace_id,
                result="rejected",
                problem=f"state {problem}",
            )
            # The request dependency rolls back on the error below; keep the audit event.
            await session.commit()
        raise InvalidState(f"the authorization state is {problem}; start the connection again")
    assert row is not None
    # Committed now, so the state cannot be replayed even if a later step fails.
    await session.commit()
    return row


def _open_secret(flow: OAuthFlow, pending: OAuthState) -> PendingSecret:
    try:
        return open_pending(flow.vault, pending)
    except VaultError as exc:
        log.error("callback_state_unreadable", state_id=pending.id, error=type(exc).__name__)
        raise CallbackFailed(
            codes.EXCHANGE_FAILED, "the pending state could not be decrypted"
        ) from exc


async def _ask_xero(
    flow: OAuthFlow, code: str, secret: PendingSecret
) -> tuple[TokenSet, dict[str, Any], list[TenantConnection]]:
    """Exchange the code, check the id_token, and list the organisations this consent added."""
    identity = flow.identity
    try:
        tokens = await identity.exchange_code(
            code=code, code_verifier=secret.code_verifier, redirect_uri=flow.redirect_uri
        )
    except TransientError as exc:
        raise CallbackFailed(codes.XERO_UNAVAILABLE, f"code exchange: {exc.detail}") from exc
    except XeroError as exc:
        raise CallbackFailed(codes.EXCHANGE_FAILED, f"code exchange: {exc.detail}") from exc
    claims: dict[str, Any] = {}
    if flow.wants_id_token:
        if not tokens.id_token:
            raise CallbackFailed(codes.INVALID_ID_TOKEN, "Xero sent no id_token")
        try:
            claims = await identity.verify_id_token(tokens.id_token, nonce=secret.nonce)
        except InvalidIdToken as exc:
            raise CallbackFailed(codes.INVALID_ID_TOKEN, exc.detail) from exc
        except (TransientError, XeroError) as exc:
            raise CallbackFailed(codes.XERO_UNAVAILABLE, f"id_token keys: {exc.detail}") from exc
    auth_event_id = tokens.authentication_event_id
    if not auth_event_id:
        # Without it we cannot tell which organisations this consent added; never guess.
        raise CallbackFailed(codes.EXCHANGE_FAILED, "access token has no authentication_event_id")
    try:
        tenants = await identity.list_connections(tokens.access_token, auth_event_id=auth_event_id)
    except TransientError as exc:
        raise CallbackFailed(codes.XERO_UNAVAILABLE, f"connections: {exc.detail}") from exc
    except XeroError as exc:
        raise CallbackFailed(codes.EXCHANGE_FAILED, f"connections: {exc.detail}") from exc
    # Only what this consent added: an organisation without the consent's auth event (Xero left
    # it out) may be any the user ever connected, so it is never attached.
    tenants = [tenant for tenant in tenants if tenant.auth_event_id == auth_event_id]
    if not tenants:
        raise CallbackFailed(codes.NO_ORGANISATION, "this consent added no organisation")
    return tokens, claims, tenants


async def _audit_failure(
    session: AsyncSession, ref: _StateRef, result: str, source: str | None, detail: dict[str, Any]
) -> None:
    """Audit a failed outcome; after an internal error the database may be what failed."""
    try:
        await _audit(session, ref, result, source, detail)
    except Exception as exc:
        if result != codes.INTERNAL_ERROR:
            raise
        log.warning("callback_audit_failed", state_id=ref.id, error=type(exc).__name__)
        await rollback_quietly(session)


async def _audit(
    session: AsyncSession,
    ref: _StateRef,
    result: str,
    source: str | None,
    detail: dict[str, Any],
) -> None:
    await audit(
        session,
        Actor(CALLBACK_ACTOR, source),
        AuditAction.CONNECT_CALLBACK,
        Target.oauth_state(ref.id),
        ref.workspace_id,
        result=result,
        **detail,
    )
