"""The connector (Postgres, the in-process job runner, the real client, limiter and sync engine)
against a sandbox subprocess over HTTP, and what the tests read back from both sides.

``SyncConnector`` extends the mappings tests' ``SandboxConnector`` (connect through the
sandbox, call routes, change settings "inside Xero") with ingestion, runs and the sandbox's
documents.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.connector_app import make_api_key
from tests.mappings.conftest import CONNECTOR_CALLBACK, SandboxConnector
from tests.tokens.sandbox_support import SandboxServer
from xero_connector.auth.authenticator import Authenticator
from xero_connector.context import AppContext, sync_engine
from xero_connector.db.models import Record
from xero_connector.jobs.inprocess import InProcessRunner
from xero_connector.main import create_app
from xero_connector.settings import DEFAULT_SCOPES, Settings
from xero_connector.tasks.context import TaskResources
from xero_connector.tasks.registry import TASKS
from xero_connector.tokens.backoff import Backoff
from xero_connector.tokens.locks import LocalGrantLocks
from xero_connector.tokens.service import TokenService
from xero_connector.vault import Vault
from xero_connector.xero.client import XeroApiClient
from xero_connector.xero.limiter import LimitConfig, Limiter, MemoryBackend
from xero_connector.xero.tenant_status import TenantStatus

KEY_FIELDS = {
    "contacts": "ContactNumber",
    "invoices": "Reference",
    "bank_transactions": "Reference",
}
PLURAL = {"contact": "contacts", "invoice": "invoices", "bank_transaction": "bank-transactions"}


@dataclass
class SyncConnector(SandboxConnector):
    async def ingest(self, connection_id: str, kind: str, items: list[dict[str, Any]]) -> None:
        for start in range(0, len(items), 1000):
            answer = await self.client.post(
                f"/v1/connections/{connection_id}/{PLURAL[kind]}",
                json={"items": items[start : start + 1000]},
                headers=self.headers,
            )
            assert answer.status_code == 200, answer.text
            rejected = [i for i in answer.json()["items"] if i["result"] == "rejected"]
            assert rejected == []

    async def sync(self, connection_id: str) -> dict[str, Any]:
        """``POST .../sync``, then run jobs until the connection's latest run is final (a run
        that finds records ingested after their phase is followed by another at once)."""
        answer = await self.client.post(
            f"/v1/connections/{connection_id}/sync", headers=self.headers
        )
        assert answer.status_code in (200, 202), answer.text
        return await self.settled(connection_id)

    async def settled(self, connection_id: str, *, within: float = 180.0) -> dict[str, Any]:
        deadline = asyncio.get_running_loop().time() + within
        while True:
            await self.runner.drain()
            run = await self.last_run(connection_id)
            if run["status"] in ("succeeded", "partial", "failed"):
                return run
            assert asyncio.get_running_loop().time() < deadline, run
            await asyncio.sleep(0.05)

    async def last_run(self, connection_id: str) -> dict[str, Any]:
        runs = await self.get(f"/v1/connections/{connection_id}/syncs")
        return dict(runs["items"][0])

    async def records(self, connection_id: str, **filters: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            params = {"limit": "200", **filters} | ({"cursor": cursor} if cursor else {})
            page = await self.get(f"/v1/connections/{connection_id}/records", **params)
            items += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                return items

    async def statuses(self, connection_id: str) -> Counter[str]:
        async with self.sessions() as session:
            rows = await session.execute(
                select(Record.status, func.count())
                .where(Record.connection_id == connection_id)
                .group_by(Record.status)
            )
            return Counter({str(status): int(count) for status, count in rows})

    async def documents(self, tenant: str) -> dict[str, list[dict[str, Any]]]:
        answer = await self.http.get(
            f"{self.sandbox.origin}/_sandbox/state", params={"tenant": tenant}
        )
        answer.raise_for_status()
        state = answer.json()["tenant"]
        return {name: state[name] for name in KEY_FIELDS}

    async def stats(self) -> dict[str, Any]:
        answer = await self.http.get(f"{self.sandbox.origin}/_sandbox/stats")
        answer.raise_for_status()
        body: dict[str, Any] = answer.json()
        return body

    async def faults(self, **changes: float | list[str]) -> None:
        """Change the sandbox's fault shares or script faults (``/_sandbox/faults``)."""
        answer = await self.http.post(f"{self.sandbox.origin}/_sandbox/faults", json=changes)
        assert answer.status_code == 200, answer.text


def duplicates(docs: list[dict[str, Any]], field: str) -> int:
    """Documents carrying a key another document carries too (our keys are unique per record)."""
    keys = Counter(str(doc.get(field)) for doc in docs if doc.get(field))
    return sum(n - 1 for n in keys.values() if n > 1)


@asynccontextmanager
async def sync_connector(
    server: SandboxServer,
    sessions: async_sessionmaker[AsyncSession],
    vault: Vault,
    *,
    time_scale: float = 1.0,
    call_timeout: float = 10.0,
    batch_size: int = 50,
) -> AsyncIterator[SyncConnector]:
    """A connector on a fresh database whose jobs (sync included) run in this process."""
    http = httpx.AsyncClient(timeout=call_timeout)
    (await http.post(f"{server.origin}/_sandbox/reset")).raise_for_status()
    (await http.delete(f"{server.origin}/_sandbox/faults")).raise_for_status()
    identity = server.identity(http)
    tokens = TokenService(
        session_factory=sessions, vault=vault, identity=identity, locks=LocalGrantLocks()
    )
    api = XeroApiClient(
        http=http,
        tokens=tokens,
        limiter=Limiter(MemoryBackend(LimitConfig(time_scale=time_scale))),
        status=TenantStatus(sessions),
        api_base=server.origin,
        timeout=call_timeout,
    )
    runner = InProcessRunner(TASKS, max_tries=3, backoff=Backoff(0.02, 0.05))
    settings = Settings(
        xero_timeout_seconds=call_timeout,
        sync_batch_size=batch_size,
        sync_slice_seconds=5,
        xero_limit_time_scale=time_scale,
    )
    runner.ctx["resources"] = TaskResources(
        session_factory=sessions,
        tokens=tokens,
        remote=identity,
        dispatcher=runner,
        xero_api=api,
        sync=sync_engine(settings, session_factory=sessions, xero_api=api, dispatcher=runner),
    )
    context = AppContext(
        session_factory=sessions,
        http=http,
        authenticator=Authenticator(),
        vault=vault,
        token_service=tokens,
        xero_identity=identity,
        xero_redirect_uri=CONNECTOR_CALLBACK,
        xero_scopes=tuple(DEFAULT_SCOPES.split()),
        dispatcher=runner,
        xero_api=api,
    )
    key = await make_api_key(context)
    transport = httpx.ASGITransport(create_app(Settings(), context=context))
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://connector.test"
        ) as client:
            yield SyncConnector(
                client, {"Authorization": f"Bearer {key}"}, runner, server, http, sessions, []
            )
    finally:
        await runner.stop()
        await context.aclose()
