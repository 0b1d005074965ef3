"""Helpers for the accounting tests: the accounting router alone in a bare FastAPI app, a token for
every seeded organisation, and builders of valid documents."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI

from xero_connector.sandbox.accounting import AccountingStore, build_accounting_router
from xero_connector.sandbox.world import ORGANISATIONS, SandboxConfig, World

from .openapi_schemas import XERO_OPENAPI_DIR, component, errors, response_schema

AU, UK, US = (org.tenant_id for org in ORGANISATIONS)
BASE = "/api.xro/2.0"
SPEC = "xero_accounting.yaml"


@dataclass
class Api:
    """A client of one sandbox's accounting API, acting for ``tenant`` unless told otherwise."""

    client: httpx.AsyncClient
    world: World
    store: AccountingStore
    token: str
    tenant: str = AU

    def headers(self, tenant: str | None = None, **extra: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.token}",
            "xero-tenant-id": tenant or self.tenant,
            **extra,
        }

    async def get(
        self, path: str, *, headers: dict[str, str] | None = None, **params: Any
    ) -> httpx.Response:
        return await self.client.get(BASE + path, params=params, headers=headers or self.headers())

    async def write(
        self,
        method: str,
        path: str,
        body: Any,
        *,
        summarize: bool = True,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> httpx.Response:
        if not summarize:
            params["summarizeErrors"] = "false"
        return await self.client.request(
            method, BASE + path, json=body, params=params, headers=headers or self.headers()
        )

    async def put(self, collection: str, elements: list[Any], **kwargs: Any) -> httpx.Response:
        return await self.write("PUT", f"/{collection}", {collection: elements}, **kwargs)

    async def post(self, collection: str, elements: list[Any], **kwargs: Any) -> httpx.Response:
        return await self.write("POST", f"/{collection}", {collection: elements}, **kwargs)

    async def one(self, collection: str, element: dict[str, Any]) -> dict[str, Any]:
        """Create one element (summarizeErrors=false) and return it, which must be OK."""
        response = await self.put(collection, [element], summarize=False)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()[collection][0]
        assert result["StatusAttributeString"] in ("OK", "WARNING"), result
        return result


@asynccontextmanager
async def open_api(**config: Any) -> AsyncIterator[Api]:
    world = World(SandboxConfig(**config))
    store = AccountingStore(world)
    app = FastAPI()
    app.include_router(build_accounting_router(world, store, openapi_dir=XERO_OPENAPI_DIR))
    token = world.issue_test_token([AU, UK, US])
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test") as client:
        yield Api(client, world, store, token)


def invoice(**overrides: Any) -> dict[str, Any]:
    """A valid AU sales invoice: one line of 2 x 10.00 on account 200 with GST on Income."""
    body: dict[str, Any] = {
        "Type": "ACCREC",
        "Contact": {"ContactNumber": "CUST-001"},
        "Date": "2026-01-15",
        "DueDate": "2026-02-14",
        "Status": "AUTHORISED",
        "LineItems": [line()],
    }
    body.update(overrides)
    return body


def line(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Description": "Widget",
        "Quantity": 2,
        "UnitAmount": 10.0,
        "AccountCode": "200",
        "TaxType": "OUTPUT",
    }
    body.update(overrides)
    return body


def bank_transaction(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Type": "SPEND",
        "Contact": {"ContactNumber": "SUPP-001"},
        "BankAccount": {"Code": "090"},
        "Date": "2026-01-20",
        "LineItems": [line(AccountCode="429", TaxType="INPUT", Quantity=1, UnitAmount=55.0)],
    }
    body.update(overrides)
    return body


def messages(element: dict[str, Any]) -> list[str]:
    return [error["Message"] for error in element.get("ValidationErrors", [])]


def schema_errors(path: str, method: str, status: int, body: object) -> list[str]:
    """How ``body`` breaks the spec's response schema of that operation (Error for 400s)."""
    if status == 200:
        return errors(SPEC, response_schema(SPEC, path, method, "200"), body)
    return errors(SPEC, component("Error"), body)
