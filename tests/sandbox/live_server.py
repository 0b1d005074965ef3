"""A sandbox app served over real HTTP by uvicorn in a background thread (for synchronous clients
such as Xero's own SDK), its parts still reachable in-process for assertions."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn

from xero_connector.sandbox.app import Sandbox, create_sandbox_app
from xero_connector.sandbox.world import SandboxConfig


@dataclass
class LiveSandbox:
    base_url: str
    sandbox: Sandbox


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def live_sandbox(config: SandboxConfig) -> Iterator[LiveSandbox]:
    """Serve a fresh sandbox on a free port until the block ends."""
    app = create_sandbox_app(config)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the sandbox did not start")
        time.sleep(0.02)
    try:
        yield LiveSandbox(f"http://127.0.0.1:{port}", app.state.sandbox)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
