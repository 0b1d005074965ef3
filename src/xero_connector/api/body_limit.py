"""A request body larger than the limit is refused with 413 before it is buffered.

A declared ``Content-Length`` over the limit is answered at once, without reading a byte and
before authentication. A body without one (chunked) is counted as it arrives; the read that
passes the limit fails with 413, so at most the limit is ever held in memory.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xero_connector.api.problems import problem_response


def _too_large_detail(limit: int) -> str:
    return f"The request body is larger than {limit} bytes."


class BodyTooLarge(HTTPException):
    """Raised by the counting ``receive``; an HTTPException so FastAPI's body parser passes it on
    and the problem handlers render it."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=_too_large_detail(limit))


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_body_bytes`` (413 problem+json)."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.limit = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > self.limit:
            response = problem_response(
                Request(scope),
                status=413,
                code="content_too_large",
                title="Content too large",
                detail=_too_large_detail(self.limit),
                headers={"Connection": "close"},
            )
            await response(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        await self.app(scope, counting_receive, send)
