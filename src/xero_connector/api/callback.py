"""``GET /v1/callback``: Xero's redirect target, authenticated by its state alone."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from xero_connector.api.deps import SessionDep
from xero_connector.api.problems import PROBLEM_JSON
from xero_connector.api.xero_deps import OAuthFlowDep, request_source
from xero_connector.oauth import complete_callback, render_callback_page

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
            "description": "Unknown, expired or reused state (problem+json). A failed "
            "connection without return_url answers the HTML result page with 400 instead.",
            "content": {PROBLEM_JSON: {}},
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
    outcome = await complete_callback(
        session, flow, state=state, code=code, error=error, source=request_source(request)
    )
    # Returning hands the session back to SessionDep, which commits before this is sent.
    url = outcome.redirect_url()
    if url is not None:
        return RedirectResponse(url, status_code=303, headers=PRIVATE_HEADERS)
    page = render_callback_page(outcome, opener_origins=flow.return_url_origins)
    status = 200 if outcome.status == "connected" else 400
    return HTMLResponse(page, status_code=status, headers=PRIVATE_HEADERS)
