"""The request id: taken from ``X-Request-ID`` (or made), bound to every log line, returned.

The outermost middleware. A caller's id is kept when it is a plain token (1-128 characters of
``[A-Za-z0-9._:-]``, what a proxy or a client would send); anything else is replaced by a fresh
one, so a header can never inject text into a log line. The id is bound to the structlog context
for the request (``request_id``), and the routes' scope checks add ``workspace_id`` and
``connection_id`` to it (``logs.bind_log_ids``); whatever the request bound is dropped when it ends.
"""

from __future__ import annotations

import re
import uuid

import structlog
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Request-ID"
_ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id_of(value: str | None) -> str:
    """The caller's id when it is acceptable, else a fresh one."""
    if value is not None and _ACCEPTED.fullmatch(value):
        return value
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Binds ``request_id`` to the logs of a request and returns it as ``X-Request-ID``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        request_id = request_id_of(incoming)

        async def with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        before = structlog.contextvars.get_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, with_header)
        finally:
            structlog.contextvars.clear_contextvars()
            structlog.contextvars.bind_contextvars(**before)
