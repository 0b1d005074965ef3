"""Running the real command in a subprocess and waiting for its HTTP server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def command_env(**settings: str) -> dict[str, str]:
    """This process's environment without any XERO_CONNECTOR_ setting, plus ``settings``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("XERO_CONNECTOR_")}
    env["PYTHONPATH"] = str(ROOT / "src")
    env.update(settings)
    return env


def start(args: list[str], *, cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "xero_connector", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_api_key(process: subprocess.Popen[str], timeout: float = 60.0) -> str:
    """The key from the ``API key: <key>`` line of the process's stdout."""
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith("API key: "):
            return line.removeprefix("API key: ").strip()
        if not line and process.poll() is not None:
            break
    raise AssertionError(f"no API key line; exit code {process.poll()}")


def wait_until_up(base_url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{base_url} did not come up")


def stop(process: subprocess.Popen[str]) -> str:
    """Stop the process (SIGTERM, then SIGKILL) and return its stderr."""
    process.terminate()
    try:
        _, stderr = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        _, stderr = process.communicate()
    return stderr
