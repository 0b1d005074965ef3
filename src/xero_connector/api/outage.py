"""A database that cannot be reached is a 503 problem, not a 500 (``/readyz`` names it down).

SQLAlchemy wraps the driver's errors (``OperationalError``, ``InterfaceError``, a pool
``TimeoutError``, a ``DBAPIError`` whose connection was invalidated), but asyncpg's refused or
timed-out connection attempt escapes as a plain ``OSError``: that one counts only when it was
raised from inside SQLAlchemy, so an unrelated ``OSError`` stays a 500.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc

from xero_connector.api.problems import problem_response
from xero_connector.logs import get_logger

RETRY_AFTER_SECONDS = 5
_WRAPPED = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.TimeoutError,
    sa_exc.DisconnectionError,
)

log = get_logger(__name__)


def _raised_in_sqlalchemy(error: BaseException) -> bool:
    tb = error.__traceback__
    while tb is not None:
        if str(tb.tb_frame.f_globals.get("__name__", "")).startswith("sqlalchemy."):
            return True
        tb = tb.tb_next
    return False


def is_database_outage(error: BaseException) -> bool:
    """True when ``error`` says the database could not be reached or used just now."""
    if isinstance(error, _WRAPPED):
        return True
    if isinstance(error, sa_exc.DBAPIError):
        return bool(error.connection_invalidated)
    return isinstance(error, OSError) and _raised_in_sqlalchemy(error)


async def handle_database_error(request: Request, exc: Exception) -> JSONResponse:
    if not is_database_outage(exc):
        raise exc
    log.warning("database_unavailable", path=request.url.path, error=type(exc).__name__)
    return problem_response(
        request,
        status=503,
        code="database_unavailable",
        title="Service unavailable",
        detail="The database is unavailable right now; try again shortly (see /readyz).",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def install_outage_handler(app: FastAPI) -> None:
    """Render database outages as 503 (install after ``install_problem_handlers``)."""
    for error in (*_WRAPPED, sa_exc.DBAPIError, OSError):
        app.add_exception_handler(error, handle_database_error)
