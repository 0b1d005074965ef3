"""The one client for a tenant's Accounting API: every call takes the limiter and a token.

``XeroApiClient`` is made once per process at the composition root; ``client.tenant(ref)`` gives
the ``TenantClient`` of one connection. A call: a valid access token of the connection's own grant
(``TokenService``), a limiter slot for the tenant, one HTTP request with ``Authorization``,
``xero-tenant-id`` and ``Accept: application/json``, the slot released with what Xero's headers
said, and the answer classified (``xero.errors``):

- 401: the token is refreshed once (``refreshed_access_token``) and the call sent once more;
  a second 401 is ``XeroAuthFailed``;
- 403 ``AuthenticationUnsuccessful``: the connection (and any live one sharing its Xero
  connection) is marked disconnected, then ``XeroDisconnected``;
- 429: the limiter pauses the tenant (the app, for an app-wide 429) until ``Retry-After``; a
  daily-limit 429 also sets ``rate_limited_until`` on the tenant's connections and raises
  ``XeroRateLimited`` at once; a minute, concurrency or app 429 is retried after the pause (at
  most ``rate_limit_retries`` times, and never past the caller's ``max_wait``);
- 5xx, timeouts, resets: ``XeroUnavailable`` for reads and for writes that cannot have been sent;
  ``XeroUncertain`` for a write that may have reached Xero.

Built on plain httpx with the grant's own bearer token: never on ``xero.identity``'s authlib
client, which keeps whichever token set it refreshed last.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

import httpx

from xero_connector import metrics
from xero_connector.db.models import Connection
from xero_connector.xero.answers import (
    is_disconnect,
    json_body,
    raise_for_answer,
    transport_failure,
)
from xero_connector.xero.batch import (
    MAX_IDEMPOTENCY_KEY,
    ElementOutcome,
    MalformedAnswer,
    chunk_elements,
    chunk_key,
    parse_outcomes,
)
from xero_connector.xero.errors import XeroRateLimited, XeroUnavailable, XeroUncertain
from xero_connector.xero.limiter import Feedback, Limiter, LimiterWouldWait
from xero_connector.xero.tenant_status import TenantStatus
from xero_connector.xero.values import format_modified_since

__all__ = [
    "AccessTokens",
    "ElementOutcome",
    "LimiterWouldWait",
    "TenantClient",
    "TenantRef",
    "XeroApiClient",
    "XeroRead",
]

ACCOUNTING_PATH = "/api.xro/2.0"
DEFAULT_PAGE_SIZE = 100


class AccessTokens(Protocol):
    """What the client needs of ``tokens.service.TokenService``."""

    async def access_token(self, grant_id: str, *, mark_used: bool = True) -> str: ...

    async def refreshed_access_token(self, grant_id: str, *, refused: str) -> str: ...


@dataclass(frozen=True, slots=True)
class TenantRef:
    """Which connection a call is for: its row, its grant (whose token is sent), its tenant."""

    connection_id: str
    grant_id: str
    tenant_id: str

    @classmethod
    def of(cls, connection: Connection) -> TenantRef:
        return cls(connection.id, connection.grant_id, connection.tenant_id)


@dataclass(frozen=True, slots=True)
class XeroRead:
    """A read's answer: 200 with its JSON body (amounts as Decimal), or 304 without one."""

    status: int
    body: dict[str, Any] | None
    headers: Mapping[str, str]


class XeroApiClient:
    """One per process: the HTTP client, the token service, the limiter and the API base."""

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        tokens: AccessTokens,
        limiter: Limiter,
        status: TenantStatus,
        api_base: str,
        timeout: float | httpx.Timeout = 30.0,
        rate_limit_retries: int = 2,
    ) -> None:
        self.http = http
        self.tokens = tokens
        self.limiter = limiter
        self.status = status
        self.base = api_base.rstrip("/") + ACCOUNTING_PATH
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self.rate_limit_retries = rate_limit_retries

    def tenant(self, ref: TenantRef) -> TenantClient:
        return TenantClient(self, ref)

    async def aclose(self) -> None:
        """Close the limiter's backend (the HTTP client belongs to whoever passed it in)."""
        await self.limiter.aclose()


class TenantClient:
    """The Accounting API of one connection."""

    def __init__(self, api: XeroApiClient, ref: TenantRef) -> None:
        self.api = api
        self.ref = ref

    async def wait_estimate(self) -> float:
        """Seconds the next call would wait for the limiter now (0: it would go at once)."""
        return await self.api.limiter.wait_estimate(self.ref.tenant_id)

    async def get(
        self,
        resource: str,
        *,
        params: Mapping[str, str] | None = None,
        if_modified_since: datetime | None = None,
        max_wait: float | None = None,
    ) -> XeroRead:
        """``GET /api.xro/2.0/{resource}``: 200 with the body, or 304 when nothing changed."""
        headers = {}
        if if_modified_since is not None:
            headers["If-Modified-Since"] = format_modified_since(if_modified_since)
        response = await self._call(
            "GET", resource, params=params, headers=headers, max_wait=max_wait
        )
        if response.status_code == 304:
            return XeroRead(304, None, response.headers)
        body = json_body(response, write=False)
        if not isinstance(body, dict):
            raise XeroUnavailable(f"Xero's answer to GET {resource} is not a JSON object")
        return XeroRead(response.status_code, body, response.headers)

    async def get_all(
        self,
        resource: str,
        collection_key: str,
        *,
        where: str | None = None,
        order: str | None = None,
        ids: Sequence[str] | None = None,
        if_modified_since: datetime | None = None,
        page_size: int | None = None,
        paged: bool = True,
        max_wait: float | None = None,
    ) -> list[dict[str, Any]] | None:
        """Every element of a collection, following pages until a short (or the last) page.

        None when Xero answers 304 (nothing modified since ``if_modified_since``).
        """
        params: dict[str, str] = {}
        if where:
            params["where"] = where
        if order:
            params["order"] = order
        if ids:
            params["IDs"] = ",".join(ids)
        if page_size is not None:
            params["pageSize"] = str(page_size)
        size = page_size or DEFAULT_PAGE_SIZE
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            if paged:
                params["page"] = str(page)
            read = await self.get(
                resource, params=params, if_modified_since=if_modified_since, max_wait=max_wait
            )
            if read.body is None:
                return None if page == 1 else items
            found = read.body.get(collection_key)
            if not isinstance(found, list):
                raise XeroUnavailable(f"Xero's answer to GET {resource} has no {collection_key}")
            items.extend(found)
            pagination = read.body.get("pagination")
            last = isinstance(pagination, dict) and page >= int(pagination.get("pageCount") or 0)
            if not paged or len(found) < size or last:
                return items
            page += 1

    async def write_batch(
        self,
        resource: str,
        collection_key: str,
        elements: Sequence[Mapping[str, Any]],
        *,
        method: Literal["PUT", "POST"],
        idempotency_key: str,
        max_wait: float | None = None,
    ) -> list[ElementOutcome]:
        """Send ``elements`` with ``summarizeErrors=false``: one outcome per element, in order.

        PUT creates, POST creates or updates. A body over 3.5 MB is sent as several requests
        (``idempotency_key`` suffixed ``:i/n``); an element too large to send alone is not sent
        and gets an ``error`` outcome. A lost answer raises ``XeroUncertain``.
        """
        if not 1 <= len(idempotency_key) <= MAX_IDEMPOTENCY_KEY:
            raise ValueError(f"an Idempotency-Key has 1 to {MAX_IDEMPOTENCY_KEY} characters")
        chunks, refused = chunk_elements(collection_key, elements)
        outcomes: list[ElementOutcome | None] = [None] * len(elements)
        for index, reason in refused.items():
            outcomes[index] = ElementOutcome("error", None, [reason], dict(elements[index]))
        for number, chunk in enumerate(chunks):
            response = await self._call(
                method,
                resource,
                params={"summarizeErrors": "false"},
                headers={
                    "Idempotency-Key": chunk_key(idempotency_key, number, len(chunks)),
                    "Content-Type": "application/json",
                },
                content=chunk.body,
                write=True,
                max_wait=max_wait,
            )
            body = json_body(response, write=True)
            try:
                parsed = parse_outcomes(body, collection_key, chunk.count)
            except MalformedAnswer as exc:
                raise XeroUncertain(str(exc)) from None
            outcomes[chunk.start : chunk.start + chunk.count] = parsed
        return [outcome for outcome in outcomes if outcome is not None]

    async def _call(
        self,
        method: str,
        resource: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        write: bool = False,
        max_wait: float | None = None,
    ) -> httpx.Response:
        api, ref = self.api, self.ref
        endpoint = f"{method} {resource.split('/', 1)[0]}"
        token = await api.tokens.access_token(ref.grant_id)
        refreshed = False
        limited = 0
        while True:
            async with api.limiter.hold(ref.tenant_id, max_wait=max_wait) as lease:
                try:
                    response = await api.http.request(
                        method,
                        f"{api.base}/{resource}",
                        params=params,
                        content=content,
                        headers={
                            **(headers or {}),
                            "Authorization": f"Bearer {token}",
                            "xero-tenant-id": ref.tenant_id,
                            "Accept": "application/json",
                        },
                        timeout=api.timeout,
                    )
                except httpx.TransportError as exc:
                    metrics.xero_call(endpoint, "error")
                    raise transport_failure(exc, write=write) from exc
                feedback = Feedback.from_response(response.status_code, response.headers)
                lease.feedback = feedback
            metrics.xero_call(endpoint, response.status_code)
            status = response.status_code
            if status == 401 and not refreshed:
                token = await api.tokens.refreshed_access_token(ref.grant_id, refused=token)
                refreshed = True
                continue
            if status == 429:
                error = XeroRateLimited(retry_after=feedback.retry_after, problem=feedback.problem)
                metrics.xero_rate_limited(error.problem)
                if error.problem == "day":
                    await api.status.parked(ref.tenant_id, error.until)
                    raise error
                too_long = max_wait is not None and (error.retry_after or 0.0) > max_wait
                if limited >= api.rate_limit_retries or too_long:
                    raise error
                limited += 1
                continue
            if status == 403 and is_disconnect(response):
                await api.status.disconnected(ref.connection_id)
            raise_for_answer(response, write=write)
            await api.status.answered(ref.tenant_id)
            return response
