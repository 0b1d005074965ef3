"""Request bodies: a size limit before anything is buffered, undecodable JSON after the caller."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest

from tests.api import probe
from tests.api.conftest import MakeKey
from tests.api.test_problems import assert_problem
from xero_connector.context import AppContext
from xero_connector.main import create_app
from xero_connector.settings import Settings

LIMIT = 4096
CHUNK = 1024


@pytest.fixture
async def limited(app_context: AppContext) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(max_body_bytes=LIMIT), context=app_context)
    app.include_router(probe.router)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://test"
    ) as client:
        yield client


class Body:
    """A request body handed over in chunks, counting how many the server pulled."""

    def __init__(self, chunks: int) -> None:
        self.chunks = chunks
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.chunks):
            self.pulled += 1
            yield b" " * CHUNK


async def test_a_declared_length_over_the_limit_is_413_before_reading(
    limited: httpx.AsyncClient,
) -> None:
    body = Body(chunks=200)
    response = await limited.post(
        "/v1/probe/connect",
        content=body,
        headers={"Content-Length": str(200 * CHUNK), "Content-Type": "application/json"},
    )
    problem = assert_problem(response, 413, "content_too_large")
    assert str(LIMIT) in str(problem["detail"])
    assert body.pulled <= 1


async def test_a_chunked_body_over_the_limit_is_413_once_it_passes_the_limit(
    limited: httpx.AsyncClient,
) -> None:
    body = Body(chunks=200)
    response = await limited.post(
        "/v1/probe/connect", content=body, headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert_problem(response, 413, "content_too_large")
    assert body.pulled <= LIMIT // CHUNK + 1


async def test_a_body_at_the_limit_is_read(limited: httpx.AsyncClient, make_key: MakeKey) -> None:
    key = await make_key()
    payload = json.dumps({"workspace_id": "ws-1"}).encode()
    payload += b" " * (LIMIT - len(payload))
    response = await limited.post(
        "/v1/probe/connect",
        content=payload,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text


async def test_an_unknown_route_with_a_huge_body_is_413_too(limited: httpx.AsyncClient) -> None:
    response = await limited.post("/nope", content=b"x" * (LIMIT + 1))
    assert_problem(response, 413, "content_too_large")


def _largest_invoice_batch() -> bytes:
    """1,000 invoices of 100 lines each (the most one ingestion request may carry)."""
    line = {
        "description": "d" * 100,
        "quantity": "12.5000",
        "unit_amount": str(Decimal("123456.78")),
        "category": "c" * 40,
        "tax_code": "t" * 20,
        "tracking": {"region": "r" * 30, "department": "p" * 30},
    }
    invoice = {
        "external_id": "e" * 64,
        "type": "sales",
        "number": "INV-0000001",
        "reference": "r" * 100,
        "contact_external_id": "c" * 64,
        "issue_date": "2026-12-01",
        "due_date": "2026-12-31",
        "currency": "NZD",
        "amounts_are": "exclusive",
        "status": "authorised",
        "lines": [line] * 100,
    }
    return json.dumps({"items": [invoice] * 1000}).encode()


def test_the_default_limit_fits_the_largest_ingestion_batch() -> None:
    size = len(_largest_invoice_batch())
    assert size < Settings().max_body_bytes
    assert Settings().max_body_bytes <= 64 * 1024 * 1024  # and stays far from 200 MB


UNDECODABLE = [
    pytest.param(b'{"workspace_id": "\xff\xfe"}', id="invalid-utf8"),
    pytest.param(b"[" * 5000 + b"]" * 5000, id="nesting"),
    pytest.param(b'{"workspace_id": 1' + b"0" * 5000 + b"}", id="huge-integer"),
]


@pytest.mark.parametrize("content", UNDECODABLE)
async def test_an_undecodable_body_without_a_credential_is_401(
    client: httpx.AsyncClient, content: bytes
) -> None:
    response = await client.post(
        "/v1/probe/connect", content=content, headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 401, "unauthenticated")


@pytest.mark.parametrize("content", UNDECODABLE)
async def test_an_undecodable_body_with_a_credential_is_422(
    client: httpx.AsyncClient, make_key: MakeKey, content: bytes
) -> None:
    key = await make_key()
    response = await client.post(
        "/v1/probe/connect",
        content=content,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    body = assert_problem(response, 422, "invalid_input")
    assert [error["type"] for error in body["errors"]] == ["json_invalid"]  # type: ignore[attr-defined]
