"""``dev`` restarted resumes its sandbox: the world is kept in a file beside the database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp

from xero_connector.cli.dev_sandbox import DEV_CLIENT_ID, build_dev_sandbox, sandbox_state_path
from xero_connector.sandbox.persistence import PersistentSandbox
from xero_connector.settings import Settings

from .accounting_api import invoice
from .flows import AU, Pkce, authorize_params, basic, bearer, consent, query

REDIRECT = "http://app.test/v1/callback"


@asynccontextmanager
async def running(app: ASGIApp) -> AsyncIterator[httpx.AsyncClient]:
    """The app between an ASGI lifespan startup and shutdown, as uvicorn runs it."""
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    started = asyncio.Event()

    async def receive() -> dict[str, Any]:
        return await queue.get()

    async def send(message: Any) -> None:
        if message["type"] == "lifespan.startup.complete":
            started.set()

    lifespan: asyncio.Task[None] = asyncio.create_task(
        app({"type": "lifespan"}, receive, send)  # type: ignore[arg-type]
    )
    await queue.put({"type": "lifespan.startup"})
    await asyncio.wait_for(started.wait(), timeout=10)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://sandbox.test"
        ) as client:
            yield client
    finally:
        await queue.put({"type": "lifespan.shutdown"})
        await lifespan


def _start(database: Path) -> tuple[Settings, ASGIApp]:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{database}")
    return build_dev_sandbox(settings, host="127.0.0.1", port=8000, sandbox_port=8001)


async def _connect(client: httpx.AsyncClient, secret: str) -> dict[str, Any]:
    pkce = Pkce.make()
    params = authorize_params(pkce, client_id=DEV_CLIENT_ID, redirect_uri=REDIRECT)
    done = await consent(client, params=params)
    form = {
        "grant_type": "authorization_code",
        "code": query(done.headers["location"])["code"],
        "redirect_uri": REDIRECT,
        "code_verifier": pkce.verifier,
    }
    answer = await client.post("/connect/token", data=form, headers=basic(DEV_CLIENT_ID, secret))
    assert answer.status_code == 200, answer.text
    tokens: dict[str, Any] = answer.json()
    return tokens


async def test_a_restarted_dev_sandbox_finds_its_world_again(tmp_path: Path) -> None:
    database = tmp_path / "dev.db"
    settings, app = _start(database)
    secret = settings.xero_client_secret.get_secret_value()  # type: ignore[union-attr]
    async with running(app) as client:
        tokens = await _connect(client, secret)
        api = {**bearer(tokens["access_token"]), "xero-tenant-id": AU}
        created = await client.put(
            "/api.xro/2.0/Invoices",
            json={"Invoices": [invoice(Reference="before the restart")]},
            headers=api,
        )
        invoice_id = created.json()["Invoices"][0]["InvoiceID"]
        connections = await client.get("/connections", headers=bearer(tokens["access_token"]))
    assert sandbox_state_path(settings.database_url) == tmp_path / "dev.sandbox-state"
    assert (tmp_path / "dev.sandbox-state").is_file()

    settings, app = _start(database)  # the restart: a new process would do the same
    secret = settings.xero_client_secret.get_secret_value()  # type: ignore[union-attr]
    async with running(app) as client:
        stale = await client.get("/api.xro/2.0/Organisation", headers=api)
        assert stale.status_code == 401  # access tokens do not survive: the connector refreshes
        refreshed = await client.post(
            "/connect/token",
            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
            headers=basic(DEV_CLIENT_ID, secret),
        )
        assert refreshed.status_code == 200, refreshed.text
        access = bearer(refreshed.json()["access_token"])
        listed = await client.get("/connections", headers=access)
        found = await client.get(
            f"/api.xro/2.0/Invoices/{invoice_id}", headers={**access, "xero-tenant-id": AU}
        )
        another = await client.put(
            "/api.xro/2.0/Invoices",
            json={"Invoices": [invoice()]},
            headers={**access, "xero-tenant-id": AU},
        )
    assert listed.json() == connections.json()
    assert found.json()["Invoices"][0]["Reference"] == "before the restart"
    assert another.json()["Invoices"][0]["InvoiceID"] != invoice_id  # ids go on, never repeat


async def test_a_change_is_saved_before_shutdown(tmp_path: Path) -> None:
    _, app = _start(tmp_path / "dev.db")
    assert isinstance(app, PersistentSandbox)
    app.interval = 0.05
    state = tmp_path / "dev.sandbox-state"
    async with running(app) as client:
        await client.post(
            "/_sandbox/settings",
            json={"tenant": AU, "changes": [{"account": "200", "status": "ARCHIVED"}]},
        )
        for _ in range(100):
            if state.is_file():
                break
            await asyncio.sleep(0.05)
        assert state.is_file()  # while still running: a killed dev loses at most a second
    _, again = _start(tmp_path / "dev.db")
    assert isinstance(again, PersistentSandbox)
    assert again.sandbox.accounting.ledger(AU).accounts["200"].status == "ARCHIVED"


async def test_an_unreadable_state_file_is_set_aside(tmp_path: Path) -> None:
    (tmp_path / "dev.sandbox-state").write_bytes(b"not a pickle")
    _, app = _start(tmp_path / "dev.db")
    assert isinstance(app, PersistentSandbox)
    assert (tmp_path / "dev.sandbox-state.unreadable").is_file()
    assert app.sandbox.identity.store.grants == {}


def test_a_database_that_is_no_file_keeps_no_state() -> None:
    assert sandbox_state_path("postgresql+asyncpg://localhost/x") is None
    assert sandbox_state_path("sqlite+aiosqlite:///:memory:") is None


@pytest.fixture(autouse=True)
def _no_real_xero(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("XERO_CONNECTOR_XERO_CLIENT_ID", "XERO_CONNECTOR_XERO_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
