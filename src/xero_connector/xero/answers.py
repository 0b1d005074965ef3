"""Classifying one Accounting API answer (or the lack of one), once, for the tenant client.

Reads and writes differ only where an answer is missing: a read that failed can simply be
tried again (``XeroUnavailable``), a write whose request may have reached Xero cannot
(``XeroUncertain``): only a failure before anything was sent leaves a write unavailable.
"""

from __future__ import annotations

from typing import Any

import httpx

from xero_connector.xero.errors import (
    XeroAuthFailed,
    XeroDisconnected,
    XeroNotFound,
    XeroUnavailable,
    XeroUncertain,
    XeroValidation,
)
from xero_connector.xero.values import loads

# Failures after which the request cannot have reached Xero.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def transport_failure(exc: httpx.HTTPError, *, write: bool) -> Exception:
    """The error for a call that got no answer."""
    if write and not isinstance(exc, NOT_SENT):
        return XeroUncertain(f"Xero's answer to a write was lost ({type(exc).__name__})")
    if isinstance(exc, httpx.TimeoutException):
        return XeroUnavailable("Xero did not answer in time")
    return XeroUnavailable(f"Xero could not be reached ({type(exc).__name__})")


def json_body(response: httpx.Response, *, write: bool) -> Any:
    """The answer's JSON (amounts as Decimal); an unreadable body is unavailable or uncertain."""
    try:
        return loads(response.content)
    except ValueError:
        message = f"Xero answered HTTP {response.status_code} with a body that is not JSON"
        raise (XeroUncertain(message) if write else XeroUnavailable(message)) from None


def _safe_json(response: httpx.Response) -> Any:
    try:
        return loads(response.content)
    except ValueError:
        return None


def is_disconnect(response: httpx.Response) -> bool:
    body = _safe_json(response)
    return (
        response.status_code == 403
        and isinstance(body, dict)
        and "AuthenticationUnsuccessful" in str(body.get("Detail") or body.get("detail") or "")
    )


def validation_messages(body: Any) -> list[str]:
    """Xero's messages in a ValidationException body: every element's, else the Message."""
    if not isinstance(body, dict):
        return []
    messages: list[str] = []
    for element in body.get("Elements") or []:
        if isinstance(element, dict):
            for error in element.get("ValidationErrors") or []:
                if isinstance(error, dict) and error.get("Message"):
                    messages.append(str(error["Message"]))
    if not messages and body.get("Message"):
        messages.append(str(body["Message"]))
    return messages


def raise_for_answer(response: httpx.Response, *, write: bool) -> None:
    """Raise the classified error for an unusable answer (not 429: the caller handles those)."""
    status = response.status_code
    if status < 400:
        return
    if status >= 500:
        message = f"Xero answered HTTP {status}"
        raise XeroUncertain(message) if write else XeroUnavailable(message)
    body = _safe_json(response)
    detail = None
    if isinstance(body, dict):
        found = body.get("Detail") or body.get("Message") or body.get("detail")
        detail = str(found) if found else None
    if status == 401:
        raise XeroAuthFailed(detail or "Xero refused the access token")
    if status == 403:
        if is_disconnect(response):
            raise XeroDisconnected(detail)
        raise XeroAuthFailed(detail or "Xero answered HTTP 403")
    if status == 404:
        raise XeroNotFound(detail)
    raise XeroValidation(
        detail or f"Xero answered HTTP {status}", messages=validation_messages(body)
    )
