"""CORS for the configured browser origins; a refused preflight is problem+json like every error."""

from __future__ import annotations

from fastapi.middleware.cors import CORSMiddleware
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from xero_connector.api.problems import problem_response

_BODY_HEADERS = frozenset({"content-type", "content-length"})


class ProblemCORSMiddleware(CORSMiddleware):
    """Starlette's CORS middleware, with its plain-text 400 preflight refusal as a problem."""

    def __init__(self, app: ASGIApp, *, origins: list[str]) -> None:
        super().__init__(
            app,
            allow_origins=origins,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"],
            expose_headers=["Retry-After", "Idempotent-Replayed", "X-Request-ID"],
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope) if scope["type"] == "http" else None
        if (
            headers is None
            or scope["method"] != "OPTIONS"
            or "origin" not in headers
            or "access-control-request-method" not in headers
        ):
            await super().__call__(scope, receive, send)
            return
        response = self.preflight_response(request_headers=headers)
        if response.status_code == 400:
            response = _as_problem(Request(scope), response)
        await response(scope, receive, send)


def _as_problem(request: Request, refusal: Response) -> Response:
    """Starlette's plain-text refusal, same headers, as problem+json."""
    headers = {
        name: value for name, value in refusal.headers.items() if name.lower() not in _BODY_HEADERS
    }
    return problem_response(
        request,
        status=400,
        code="cors_refused",
        title="CORS preflight refused",
        detail=bytes(refusal.body).decode("utf-8", "replace"),
        headers=headers,
    )
