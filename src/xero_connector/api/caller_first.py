"""The caller is checked before an undecodable body is reported.

FastAPI decodes a request's JSON body before it resolves any dependency, so a body that is not
JSON would be answered 422 (describing it) even without a credential, and one that cannot be
decoded at all (invalid UTF-8, nesting too deep for the parser, an integer past Python's digit
limit) 400. A route that needs a caller answers 401 first instead, as it does for every other
request without a valid credential; with one, every undecodable body is the same 422.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from xero_connector.api.deps import bearer_scheme, get_caller, get_context
from xero_connector.api.problems import (
    handle_app_error,
    handle_http_exception,
    handle_validation_error,
)
from xero_connector.errors import AppError

# What FastAPI raises (from the decoding error) when a JSON body cannot be decoded at all.
_UNPARSABLE_BODY = "There was an error parsing the body"
_DECODING_ERRORS = (UnicodeDecodeError, RecursionError, ValueError)


def _needs_caller(dependant: Dependant) -> bool:
    return any(sub.call is get_caller or _needs_caller(sub) for sub in dependant.dependencies)


def _undecodable_body(exc: RequestValidationError) -> bool:
    return any(error.get("type") == "json_invalid" for error in exc.errors())


def _unparsable_body(exc: StarletteHTTPException) -> bool:
    return (
        exc.status_code == 400
        and exc.detail == _UNPARSABLE_BODY
        and isinstance(exc.__cause__, _DECODING_ERRORS)
    )


async def _authenticate(request: Request) -> None:
    """Raise what ``CallerDep`` would (401, or 503 before start); nothing is committed."""
    credentials = await bearer_scheme(request)
    context = get_context(request)
    async with context.session_factory() as session:
        await context.authenticator.authenticate(
            session, credentials.credentials if credentials is not None else None
        )


async def handle_validation_error_after_caller(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    route = request.scope.get("route")
    if _undecodable_body(exc) and isinstance(route, APIRoute) and _needs_caller(route.dependant):
        try:
            await _authenticate(request)
        except AppError as error:
            return await handle_app_error(request, error)
    return await handle_validation_error(request, exc)


async def handle_http_exception_after_caller(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if not _unparsable_body(exc):
        return await handle_http_exception(request, exc)
    cause = type(exc.__cause__).__name__
    invalid = RequestValidationError(
        [{"type": "json_invalid", "loc": ("body",), "msg": f"JSON decode error ({cause})"}]
    )
    return await handle_validation_error_after_caller(request, invalid)


def install_caller_first(app: FastAPI) -> None:
    """Replace the plain 422 and 400 renderers (install after ``install_problem_handlers``)."""
    app.add_exception_handler(RequestValidationError, handle_validation_error_after_caller)
    app.add_exception_handler(StarletteHTTPException, handle_http_exception_after_caller)
