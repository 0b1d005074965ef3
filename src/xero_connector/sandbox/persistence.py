"""Keeping a sandbox's world in a file, so ``dev`` restarted resumes it.

What is kept: the identity side's grants, refresh tokens (by SHA-256, as the store holds them),
connections and disconnected tenants, every organisation's ledger (settings as changed at run
time, contacts, invoices, bank transactions) and the seeded id generators' positions, so a
restart neither forgets a connection the connector still holds nor reissues an id. What is not:
access tokens (the signing key is new at every start, so the connector refreshes, as it does
when Xero expires one), codes and sign-in pages in progress, counters, rate-limit windows,
faults and idempotency keys.

The file is a pickle of the sandbox's own objects, written atomically (a private temporary file
renamed into place, mode 0600) and read only from the path ``dev`` derives from its own SQLite
database, which the same user owns: it is dev state, not an exchange format. A file of another
format version, or one that cannot be read, is set aside and the sandbox starts fresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pickle
import tempfile
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xero_connector.logs import get_logger
from xero_connector.sandbox.app import Sandbox
from xero_connector.sandbox.limits import ASGIApp, Receive, Scope, Send

FORMAT_VERSION = 1
_READ_ONLY = frozenset({"GET", "HEAD", "OPTIONS"})

log = get_logger(__name__)


@dataclass
class _SavedWorld:
    version: int
    world_ids: Any
    accounting_ids: Any
    disconnected: dict[str, set[str]]
    grants: dict[str, Any]
    refresh_tokens: dict[str, Any]
    connections: dict[str, Any]
    ledgers: dict[str, Any]


def dump_world(sandbox: Sandbox) -> bytes:
    store = sandbox.identity.store
    saved = _SavedWorld(
        version=FORMAT_VERSION,
        world_ids=sandbox.world._ids.getstate(),
        accounting_ids=sandbox.accounting._rng.getstate(),
        disconnected={grant: set(tenants) for grant, tenants in sandbox.world.disconnected.items()},
        grants=store.grants,
        refresh_tokens=store.refresh_tokens,
        connections=store.connections,
        ledgers=sandbox.accounting.ledgers,
    )
    return pickle.dumps(saved, protocol=pickle.HIGHEST_PROTOCOL)


def restore_world(sandbox: Sandbox, data: bytes) -> None:
    """Put a dumped world back into a fresh sandbox (ValueError for another format version)."""
    saved = pickle.loads(data)  # noqa: S301  (dev's own file, see the module docstring)
    if not isinstance(saved, _SavedWorld) or saved.version != FORMAT_VERSION:
        raise ValueError("not a sandbox state file of this version")
    store = sandbox.identity.store
    sandbox.world._ids.setstate(saved.world_ids)
    sandbox.accounting._rng.setstate(saved.accounting_ids)
    sandbox.world.disconnected.clear()
    sandbox.world.disconnected.update(saved.disconnected)
    store.grants, store.refresh_tokens = saved.grants, saved.refresh_tokens
    store.connections = saved.connections
    sandbox.accounting.ledgers = saved.ledgers


def save_world(sandbox: Sandbox, path: Path) -> None:
    """Write the world to ``path`` atomically, readable by its owner only."""
    data = dump_world(sandbox)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def load_world(sandbox: Sandbox, path: Path) -> bool:
    """Resume the world kept at ``path``; False when there is none or it cannot be read (then
    it is renamed ``<name>.unreadable`` and the sandbox keeps its seeded start)."""
    if not path.is_file():
        return False
    try:
        restore_world(sandbox, path.read_bytes())
    except Exception as error:  # any unreadable file: start fresh, keep it aside
        aside = path.with_name(path.name + ".unreadable")
        os.replace(path, aside)
        log.warning("sandbox_state_unreadable", path=str(aside), error=type(error).__name__)
        sandbox.world.reset()
        sandbox.identity.reset()
        sandbox.accounting.reset()
        return False
    return True


class PersistentSandbox:
    """The sandbox app, saving its world to ``path`` within ``interval`` seconds of any request
    that may have changed it, and once more when the server shuts down (ASGI lifespan)."""

    def __init__(self, app: ASGIApp, sandbox: Sandbox, path: Path, interval: float = 1.0) -> None:
        self.app = app
        self.sandbox = sandbox
        self.path = path
        self.interval = interval
        self.dirty = False
        self._saver: asyncio.Task[None] | None = None

    def save(self) -> None:
        self.dirty = False
        save_world(self.sandbox, self.path)

    async def _save_periodically(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            if self.dirty:
                self.save()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] == "http" and scope.get("method") not in _READ_ONLY:
            self.dirty = True
        await self.app(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message: MutableMapping[str, Any] = await receive()
            if message["type"] == "lifespan.startup":
                self._saver = asyncio.create_task(self._save_periodically())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._saver is not None:
                    self._saver.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await self._saver
                self.save()
                await send({"type": "lifespan.shutdown.complete"})
                return
