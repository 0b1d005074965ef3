"""One HTTP send for the identity client's Xero calls: network failures become XeroUnavailable
here. With a ``limiter``, the call takes an app-wide slot first (Xero counts tenantless calls
such as ``/connections`` in the app's minute limit) and reports Xero's headers back."""

from __future__ import annotations

from typing import Any

import httpx

from xero_connector.xero.errors import XeroUnavailable
from xero_connector.xero.limiter import Feedback, Limiter


async def send(
    http: httpx.AsyncClient, method: str, url: str, *, limiter: Limiter | None = None, **kwargs: Any
) -> httpx.Response:
    """Send one request; timeouts and transport errors are classified as XeroUnavailable."""
    if limiter is None:
        return await _send(http, method, url, **kwargs)
    async with limiter.hold(None) as lease:
        response = await _send(http, method, url, **kwargs)
        lease.feedback = Feedback.from_response(response.status_code, response.headers)
        return response


async def _send(http: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
    try:
        return await http.request(method, url, **kwargs)
    except httpx.TimeoutException as exc:
        raise XeroUnavailable("Xero did not answer in time") from exc
    except httpx.TransportError as exc:
        raise XeroUnavailable(f"Xero could not be reached ({type(exc).__name__})") from exc
