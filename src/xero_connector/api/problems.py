"""Every error leaves as RFC 9457 ``application/problem+json``.

``{type, title, status, detail, instance, code}`` plus ``errors`` for request validation (422) and
any extension members an :class:`~xero_connector.errors.AppError` carries. Our own errors,
FastAPI's and Starlette's (404, 405, 422, ``HTTPException``) and unexpected exceptions (500) all go
through :func:`problem_response`. Details never echo request input, so they cannot leak a secret.
"""

from __future__ import annotations

import math
import traceback
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xero_connector.errors import AppError, TransientError
from xero_connector.logs import get_logger
from xero_connector.redaction import redact_text

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:xero-connector:problem:"
RESERVED = frozenset({"type", "title", "status", "detail", "instance", "code"})

_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    413: "content_too_large",
    422: "invalid_input",
    500: "internal_error",
    503: "unavailable",
}

log = get_logger(__name__)


def code_for_status(status: int) -> str:
    """Our problem code for a bare HTTP status (``method_not_allowed`` for 405, ...)."""
    if status in _CODES:
        return _CODES[status]
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "error"


def title_for_status(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_body(
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    instance: str | None = None,
    extensions: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if instance is not None:
        body["instance"] = instance
    for key, value in (extensions or {}).items():
        if key not in RESERVED:
            body[key] = jsonable_encoder(value)
    return body


def problem_response(
    request: Request | None,
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
    extensions: dict[str, Any] | None = None,
) -> JSONResponse:
    """The one way an error response is made."""
    headers = dict(headers or {})
    if status == 401:
        headers.setdefault("WWW-Authenticate", "Bearer")
    body = problem_body(
        status=status,
        code=code,
        title=title,
        detail=detail,
        instance=request.url.path if request is not None else None,
        extensions=extensions,
    )
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


async def handle_app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    headers: dict[str, str] = {}
    if isinstance(exc, TransientError) and exc.retry_after is not None:
        headers["Retry-After"] = str(max(0, math.ceil(exc.retry_after)))
    return problem_response(
        request,
        status=exc.status,
        code=exc.code,
        title=exc.title,
        detail=exc.detail,
        headers=headers,
        extensions=exc.extra,
    )


_METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> str:
    """Every method some route of this path answers (Starlette names only the first route's)."""
    routes = request.app.router.routes
    return ", ".join(
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    )


async def handle_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = title_for_status(exc.status_code)
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail else title
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = allowed_methods(request) or headers.get("Allow", "")
    return problem_response(
        request,
        status=exc.status_code,
        code=code_for_status(exc.status_code),
        title=title,
        detail=detail,
        headers=headers,
    )


async def handle_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(error.get("loc", ())), "msg": error.get("msg", ""), "type": error.get("type")}
        for error in exc.errors()
    ]
    return problem_response(
        request,
        status=422,
        code="invalid_input",
        title="Invalid input",
        detail="The request is not valid; see errors.",
        extensions={"errors": errors} if errors else None,
    )


class UnexpectedErrorMiddleware:
    """Turn any exception that escaped the handlers into a logged 500 problem."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            # The traceback as masked text, never ``exc_info``: whatever renders it (structlog's
            # default console renderer prints every frame's locals, the request's headers
            # among them) must not depend on ``configure_logging`` having run.
            log.error(
                "unhandled_error",
                method=scope.get("method"),
                path=scope.get("path"),
                exception=redact_text(traceback.format_exc()),
            )
            if started:
                raise
            response = problem_response(
                Request(scope),
                status=500,
                code="internal_error",
                title="Internal error",
                detail="An unexpected error occurred.",
            )
            await response(scope, receive, send)


def install_problem_handlers(app: FastAPI) -> None:
    """Register the renderers; add the 500 net as the innermost middleware."""
    app.add_exception_handler(AppError, handle_app_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_exception)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_middleware(UnexpectedErrorMiddleware)


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "Validation errors (422 only).",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
}
