"""Running the Xero sandbox (``xero-connector sandbox``) as a subprocess, and getting grants from
it through the real consent flow (``--auto-approve``) and code exchange over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from xero_connector.db.base import new_id
from xero_connector.db.models import Connection, XeroGrant
from xero_connector.tokens.sealing import seal_into
from xero_connector.vault import Vault
from xero_connector.xero.identity import XeroEndpoints, XeroIdentity
from xero_connector.xero.tokenset import TokenSet

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "tokens-sandbox-client"
CLIENT_SECRET = "tokens-sandbox-secret-value"
REDIRECT_URI = "http://127.0.0.1:9/v1/callback"
SCOPES = ["openid", "profile", "email", "offline_access", "accounting.settings"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def subprocess_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XERO_CONNECTOR_")}
    env["PYTHONPATH"] = f"{ROOT / 'src'}{os.pathsep}{ROOT}"
    env.update(extra)
    return env


@dataclass(frozen=True)
class SandboxServer:
    origin: str

    @property
    def endpoints(self) -> XeroEndpoints:
        return XeroEndpoints(
            login_base=self.origin, identity_base=self.origin, api_base=self.origin
        )

    def identity(self, http: httpx.AsyncClient, *, timeout: float = 10.0) -> XeroIdentity:
        return XeroIdentity(
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            endpoints=self.endpoints,
            http=http,
            timeout=timeout,
        )

    def stats(self) -> dict[str, Any]:
        return dict(httpx.get(f"{self.origin}/_sandbox/stats").json())

    def fail_next_refreshes(self, *faults: str) -> None:
        """Script the sandbox's answers to the next refresh calls: "drop", "500" or "503"."""
        answer = httpx.post(f"{self.origin}/_sandbox/faults", json={"next_refresh": list(faults)})
        answer.raise_for_status()

    def xero_env(self) -> dict[str, str]:
        return {
            "XERO_CONNECTOR_XERO_CLIENT_ID": CLIENT_ID,
            "XERO_CONNECTOR_XERO_CLIENT_SECRET": CLIENT_SECRET,
            "XERO_CONNECTOR_XERO_LOGIN_BASE": self.origin,
            "XERO_CONNECTOR_XERO_IDENTITY_BASE": self.origin,
            "XERO_CONNECTOR_XERO_API_BASE": self.origin,
        }


@contextmanager
def run_sandbox(*, grace_seconds: float, extra: tuple[str, ...] = ()) -> Iterator[SandboxServer]:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "xero_connector",
            "sandbox",
            "--port",
            str(port),
            "--grace-seconds",
            str(grace_seconds),
            "--client",
            f"{CLIENT_ID}:{CLIENT_SECRET}",
            "--auto-approve",
            "alice",
            "--no-access-log",
            *extra,
        ],
        env=subprocess_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    origin = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{origin}/_sandbox/stats", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the sandbox did not start") from None
                time.sleep(0.1)
        yield SandboxServer(origin)
    finally:
        process.terminate()
        process.wait(10)


async def consent(identity: XeroIdentity, http: httpx.AsyncClient) -> TokenSet:
    """The user consents (auto-approve) and we exchange the code: a real grant at the sandbox."""
    request = identity.authorization_request(redirect_uri=REDIRECT_URI, scopes=SCOPES)
    answer = await http.get(request.url, follow_redirects=False)
    code = httpx.URL(answer.headers["location"]).params["code"]
    return await identity.exchange_code(
        code=code, code_verifier=request.code_verifier, redirect_uri=REDIRECT_URI
    )


async def store_grant(
    sessions: async_sessionmaker[AsyncSession],
    vault: Vault,
    tokens: TokenSet,
    *,
    expired: bool = True,
    workspace_id: str = "ws-sandbox",
) -> str:
    """Store the token set as a grant in use, its access token expired (so it is due)."""
    now = datetime.now(UTC)
    grant = XeroGrant(id=new_id(), workspace_id=workspace_id)
    seal_into(vault, grant, tokens)
    if expired:
        grant.access_expires_at = now - timedelta(seconds=5)
    grant.refreshed_at = now - timedelta(minutes=31)
    grant.last_used_at = now
    async with sessions() as session:
        session.add(grant)
        await session.flush()
        session.add(
            Connection(
                workspace_id=workspace_id,
                grant_id=grant.id,
                tenant_id=new_id(),
                xero_connection_id=new_id(),
            )
        )
        await session.commit()
    return grant.id
