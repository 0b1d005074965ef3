"""``xero-connector sandbox`` as a real server in a subprocess, over real HTTP."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from .flows import authorize_params, basic
from .live_server import free_port

SRC = Path(__file__).resolve().parents[2] / "src"
SECRET = "server-secret-value"


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen[bytes]
    log: Path


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    port = free_port()
    log_path = tmp_path / "sandbox.log"
    log = log_path.open("wb")
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    args = [sys.executable, "-m", "xero_connector", "sandbox", "--port", str(port)]
    args += ["--client", f"test-client:{SECRET}", "--auto-approve", "carol"]
    args += ["--fault-hang", "1.0", "--hang-seconds", "60"]
    process = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    base_url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(f"{base_url}/.well-known/openid-configuration")
            break
        except httpx.TransportError:
            time.sleep(0.1)
    yield Server(base_url, process, log_path)
    process.terminate()
    process.wait(timeout=10)
    log.close()


@pytest.mark.slow
async def test_consent_tokens_and_connections_over_real_http(server: Server) -> None:
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        discovery = (await client.get("/.well-known/openid-configuration")).json()
        assert discovery["issuer"] == server.base_url
        assert discovery["token_endpoint"] == f"{server.base_url}/connect/token"
        params = authorize_params()
        back = await client.get(discovery["authorization_endpoint"], params=params)
        assert back.status_code == 302
        code = httpx.URL(back.headers["location"]).params["code"]
        tokens = await client.post(
            discovery["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": params["redirect_uri"],
            },
            headers=basic("test-client", SECRET),
        )
        assert tokens.status_code == 200
        access = tokens.json()["access_token"]
        listed = await client.get("/connections", headers={"Authorization": f"Bearer {access}"})
        assert len(listed.json()) == 3
    logged = server.log.read_text()
    assert "GET /connections HTTP/1.1" in logged
    for secret in (SECRET, code, access, tokens.json()["refresh_token"]):
        assert secret not in logged


@pytest.mark.slow
async def test_a_hung_call_is_released_when_the_client_times_out(server: Server) -> None:
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.get(
                "/api.xro/2.0/Organisation",
                headers={"xero-tenant-id": "a3b7c1d2-0000-4000-8000-000000000001"},
                timeout=httpx.Timeout(5.0, read=0.3),
            )
        stats: dict[str, object] = {}
        for _ in range(50):
            stats = (await client.get("/_sandbox/stats")).json()
            limits = stats["limits"]
            assert isinstance(limits, dict)
            if limits["in_flight"] == {}:
                break
            await asyncio.sleep(0.1)
        assert stats["faults"] == {"hang": 1}
        assert isinstance(stats["limits"], dict)
        assert stats["limits"]["in_flight"] == {}
