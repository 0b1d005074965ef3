"""``GET /v1/callback``: Xero's redirect target, authenticated by its state alone."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from xero_connector.api.deps import SessionDep
from xero_connector.api.problems import PROBLEM_JSON
from xero_connector.api.xero_deps import OAuthFlowDep, request_source
from xero_connector.oauth import (
    InvalidState,
    complete_callback,
    render_callback_page,
    render_error_page,
)

router = APIRouter(prefix="/v1", tags=["connections"])

# The callback URL carries the code and state: keep it out of caches and Referer headers.
PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
Param = Annotated[str | None, Query(max_length=4096)]


@router.get(
    "/callback",
    response_class=HTMLResponse,
    responses={
        200: {"description": "Connected (no return_url): a page naming the outcome."},
        303: {
            "description": "To return_url with status=connected&connection_ids=... or "
            "status=error&error=<code>."
        },
        400: {
            "description": "Unknown, expired or reused state: problem+json, or the HTML result "
            "page (error invalid_state) when the caller accepts text/html, as a browser does. A "
            "failed connection without return_url answers the HTML result page with 400 too.",
            "content": {PROBLEM_JSON: {}, "text/html": {}},
        },
    },
)
async def callback(
    request: Request,
    session: SessionDep,
    flow: OAuthFlowDep,
    state: Param = None,
    code: Param = None,
    error: Param = None,
) -> Response:
    """Exchange the code, store the grant and connections, then send the browser on."""
    try:
        outcome = await complete_callback(
            session, flow, state=state, code=code, error=error, source=request_source(request)
        )
    except InvalidState:
        if not prefers_html(request.headers.get("accept", "")):
            raise
        # A person in a browser: the result page, never raw JSON (and never a redirect).
        page = render_error_page(InvalidState.code, opener_origins=flow.return_url_origins)
        return HTMLResponse(page, status_code=400, headers=PRIVATE_HEADERS)
    # Returning hands the session back to SessionDep, which commits before this is sent.
    url = outcome.redirect_url()
    if url is not None:
        return RedirectResponse(url, status_code=303, headers=PRIVATE_HEADERS)
    page = render_callback_page(outcome, opener_origins=flow.return_url_origins)
    status = 200 if outcome.status == "connected" else 400
    return HTMLResponse(page, status_code=status, headers=PRIVATE_HEADERS)


def _quality(media_range: str) -> tuple[str, float]:
    kind, *params = (part.strip() for part in media_range.split(";"))
    quality = 1.0
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value)
            except ValueError:
                quality = 0.0
    return kind.lower(), quality


def prefers_html(accept: str) -> bool:
    """True when ``Accept`` names ``text/html`` at least as highly as any JSON type.

    Browsers navigating to a page send ``text/html,...``; programs send ``application/json``,
    ``*/*`` or nothing, and get problem+json.
    """
    ranges = dict(_quality(item) for item in accept.split(",") if item.strip())
    html = ranges.get("text/html", 0.0)
    json = max(ranges.get("application/json", 0.0), ranges.get(PROBLEM_JSON, 0.0))
    return html > 0 and html >= json
