"""A database that cannot be reached is a 503 problem, not a 500 (``/readyz`` names it down).

Which errors count as an outage is ``db.outage.is_database_outage``.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from xero_connector.api.problems import problem_response
from xero_connector.db.outage import OUTAGE_TYPES, is_database_outage
from xero_connector.logs import get_logger

RETRY_AFTER_SECONDS = 5

log = get_logger(__name__)


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
    for error in OUTAGE_TYPES:
        app.add_exception_handler(error, handle_database_error)
