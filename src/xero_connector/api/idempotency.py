"""``Idempotency-Key`` on any POST: the same key and request within 24 hours get the first answer.

Keys are scoped by caller (the API key or the JWT subject) and workspace, so two callers never see
each other's answers. For a POST carrying the header (1-255 characters; otherwise 422):
- a new key claims a row, the request runs, and its answer is stored (an answer of 500 or more,
  or an exception, releases the key so a retry runs again);
- the same key with the same method, path, query and body replays the stored answer, with
  ``Idempotent-Replayed: true``;
- the same key with another request is 422; while the first request still runs, 409. A first
  request that left no answer for ``stale_seconds`` (its process died) no longer holds the key.
A request whose credential does not authenticate is passed on untouched (the route answers 401).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xero_connector.api.problems import PROBLEM_JSON, problem_body
from xero_connector.auth.caller import Caller
from xero_connector.context import AppContext
from xero_connector.db.repos import idempotency as repo
from xero_connector.errors import AppError
from xero_connector.logs import get_logger

HEADER = b"idempotency-key"
REPLAYED = "Idempotent-Replayed"
TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 255

log = get_logger(__name__)


def _problem(scope: Scope, status: int, code: str, title: str, detail: str) -> JSONResponse:
    body = problem_body(
        status=status, code=code, title=title, detail=detail, instance=scope.get("path")
    )
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value)
    return None


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def request_hash(scope: Scope, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (scope["method"], scope["path"], scope.get("query_string", b"").decode("latin-1")):
        digest.update(part.encode() + b"\0")
    digest.update(body)
    return digest.hexdigest()


class IdempotencyMiddleware:
    """Pure ASGI: it must see the raw body and the whole answer of the request it guards."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        stale_seconds: float = 300.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.app = app
        self.stale = timedelta(seconds=stale_seconds)
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        raw_key = _header(scope, HEADER)
        if raw_key is None:
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1")
        if not 1 <= len(key) <= MAX_KEY_LENGTH:
            detail = f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters"
            await _problem(scope, 422, "invalid_input", "Invalid input", detail)(
                scope, receive, send
            )
            return
        body = await _read_body(receive)
        receive = _replaying(body, receive)
        context: AppContext | None = getattr(scope["app"].state, "context", None)
        caller = await self._caller(scope, context) if context is not None else None
        if context is None or caller is None:
            await self.app(scope, receive, send)
            return
        caller_scope = f"{caller.actor}|{caller.workspace_id or '*'}"
        await self._guarded(
            context, caller_scope, key, request_hash(scope, body), scope, receive, send
        )

    async def _caller(self, scope: Scope, context: AppContext) -> Caller | None:
        authorization = (_header(scope, b"authorization") or b"").decode("latin-1")
        scheme, _, credential = authorization.partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            return None
        async with context.session_factory() as session:
            try:
                caller = await context.authenticator.authenticate(session, credential.strip())
            except AppError:
                return None
            await session.commit()
        return caller

    async def _guarded(
        self,
        context: AppContext,
        caller_scope: str,
        key: str,
        digest: str,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        now = self.clock()
        async with context.session_factory() as session:
            claim = await repo.claim(
                session,
                scope=caller_scope,
                key=key,
                request_hash=digest,
                now=now,
                ttl=TTL,
                stale_before=now - self.stale,
            )
            await session.commit()
        if claim.outcome == "mismatch":
            detail = "this Idempotency-Key was used for another request"
            await _problem(scope, 422, "idempotency_key_reused", "Invalid input", detail)(
                scope, receive, send
            )
            return
        if claim.outcome == "running":
            detail = "the first request with this Idempotency-Key is still running"
            await _problem(scope, 409, "idempotency_key_in_use", "Conflict", detail)(
                scope, receive, send
            )
            return
        if claim.outcome == "replay":
            assert claim.row is not None
            assert claim.row.response_status is not None
            await _send_stored(
                send,
                claim.row.response_status,
                claim.row.response_headers or [],
                claim.row.response_body or b"",
            )
            return
        await self._run_and_store(context, claim.key_id, scope, receive, send)

    async def _run_and_store(
        self, context: AppContext, key_id: str, scope: Scope, receive: Receive, send: Send
    ) -> None:
        status = 500
        headers: list[list[str]] = []
        chunks: list[bytes] = []
        # The answer's last message waits until the key is settled: a client that repeats the
        # request as soon as it has the answer must get the replay, not "still running" (409).
        last: Message | None = None

        async def capture(message: Message) -> None:
            nonlocal status, last
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers.extend(
                    [k.decode("latin-1"), v.decode("latin-1")] for k, v in message["headers"]
                )
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    last = message
                    return
            await send(message)

        try:
            await self.app(scope, receive, capture)
        except BaseException:
            await _settle(context, key_id, None)
            raise
        await _settle(
            context, key_id, (status, headers, b"".join(chunks)) if status < 500 else None
        )
        if last is not None:
            await send(last)


async def _settle(
    context: AppContext, key_id: str, answer: tuple[int, list[list[str]], bytes] | None
) -> None:
    try:
        async with context.session_factory() as session:
            if answer is None:
                await repo.release(session, key_id)
            else:
                status, headers, body = answer
                await repo.store_response(
                    session, key_id, status=status, headers=headers, body=body
                )
            await session.commit()
    except Exception:
        # The answer went out already; the key stays claimed until it goes stale.
        log.exception("idempotency_store_failed", key_id=key_id)


async def _send_stored(send: Send, status: int, headers: list[list[str]], body: bytes) -> None:
    raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    raw.append((REPLAYED.lower().encode(), b"true"))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body, "more_body": False})
