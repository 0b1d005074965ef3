"""One HTTP send for every Xero call: network failures become XeroUnavailable here."""

from __future__ import annotations

from typing import Any

import httpx

from xero_connector.xero.errors import XeroUnavailable


async def send(http: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """Send one request; timeouts and transport errors are classified as XeroUnavailable."""
    try:
        return await http.request(method, url, **kwargs)
    except httpx.TimeoutException as exc:
        raise XeroUnavailable("Xero did not answer in time") from exc
    except httpx.TransportError as exc:
        raise XeroUnavailable(f"Xero could not be reached ({type(exc).__name__})") from exc
