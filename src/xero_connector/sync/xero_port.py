"""The sync's port over the real Accounting API client (``xero.client``), errors sorted once.

Each client failure becomes the sync outcome it means for a batch (``sync.port``): the limiter
would wait, a minute/concurrency/app 429, or a failure before sending -> ``Unsent``; a write
whose answer was lost -> ``AnswerLost``; the daily limit -> ``DailyLimit``; disconnected inside
Xero, a token Xero refuses after one refresh, or a grant that needs re-auth -> ``RunStopped``;
a whole-request 400 -> ``Rejected``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from xero_connector.sync.keys import RESOURCES
from xero_connector.sync.port import (
    AnswerLost,
    DailyLimit,
    ElementResult,
    Method,
    Rejected,
    RunStopped,
    SyncStop,
    Unsent,
)
from xero_connector.tokens.errors import GrantUnavailable
from xero_connector.xero.client import TenantClient, TenantRef, XeroApiClient
from xero_connector.xero.errors import (
    XeroAuthFailed,
    XeroDisconnected,
    XeroNotFound,
    XeroRateLimited,
    XeroUnavailable,
    XeroUncertain,
    XeroValidation,
)
from xero_connector.xero.limiter import LimiterWouldWait

UNAVAILABLE_RETRY_SECONDS = 5.0
DISCONNECTED = "the organisation disconnected this app inside Xero: reconnect it"
REFUSED = "Xero refuses the connection's access token: reconnect it"


def stop_for(exc: Exception) -> SyncStop | None:
    """The sync outcome of a client error (None for one the sync does not expect)."""
    if isinstance(exc, LimiterWouldWait):
        return Unsent("waiting for the rate limiter", exc.seconds)
    if isinstance(exc, XeroRateLimited):
        if exc.problem == "day":
            return DailyLimit(exc.until)
        return Unsent(f"Xero's {exc.problem} rate limit", exc.retry_after or 1.0)
    if isinstance(exc, XeroUncertain):
        return AnswerLost(str(exc))
    if isinstance(exc, XeroUnavailable):
        return Unsent(str(exc), exc.retry_after or UNAVAILABLE_RETRY_SECONDS)
    if isinstance(exc, XeroDisconnected):
        return RunStopped(DISCONNECTED)
    if isinstance(exc, XeroAuthFailed):
        return RunStopped(REFUSED)
    if isinstance(exc, GrantUnavailable):
        return RunStopped(f"the connection needs to be reconnected ({exc.code})")
    if isinstance(exc, XeroValidation):
        return Rejected(exc.messages or [exc.detail])
    return None


class ClientTenant:
    """``TenantPort`` over one connection's ``TenantClient``."""

    def __init__(self, client: TenantClient, max_wait: float) -> None:
        self._client = client
        self._max_wait = max_wait

    async def wait_estimate(self) -> float:
        return await self._client.wait_estimate()

    async def write(
        self,
        kind: str,
        elements: Sequence[Mapping[str, Any]],
        *,
        method: Method,
        idempotency_key: str,
    ) -> list[ElementResult]:
        resource, collection, _ = RESOURCES[kind]
        try:
            outcomes = await self._client.write_batch(
                resource,
                collection,
                elements,
                method=method,
                idempotency_key=idempotency_key,
                max_wait=self._max_wait,
            )
        except XeroNotFound as exc:  # the document to update is gone from Xero
            raise Rejected([exc.detail]) from exc
        except Exception as exc:
            stop = stop_for(exc)
            if stop is None:
                raise
            raise stop from exc
        return [ElementResult(o.status, o.xero_id, list(o.messages)) for o in outcomes]

    async def find(
        self, kind: str, *, where: str | None = None, ids: Sequence[str] | None = None
    ) -> list[dict[str, Any]]:
        resource, collection, _ = RESOURCES[kind]
        params = {"where": where} if where else {"IDs": ",".join(ids or [])}
        if kind == "contact":
            params["includeArchived"] = "true"
        try:
            read = await self._client.get(resource, params=params, max_wait=self._max_wait)
        except XeroNotFound:
            return []
        except Exception as exc:
            stop = stop_for(exc)
            if stop is None or isinstance(stop, AnswerLost | Rejected):
                raise
            raise stop from exc
        found = (read.body or {}).get(collection)
        return [doc for doc in found if isinstance(doc, dict)] if isinstance(found, list) else []


class ClientPort:
    """``XeroPort`` over the process's ``XeroApiClient``."""

    def __init__(self, client: XeroApiClient, *, max_wait: float) -> None:
        self._client = client
        self._max_wait = max_wait

    def tenant(self, connection_id: str, grant_id: str, tenant_id: str) -> ClientTenant:
        return ClientTenant(
            self._client.tenant(TenantRef(connection_id, grant_id, tenant_id)), self._max_wait
        )
