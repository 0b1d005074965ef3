"""Who freezes the garbage collector: the ``sandbox`` process's wrapper, never the sandbox app."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import pytest

from xero_connector.sandbox.gc_policy import PeriodicGcFreeze
from xero_connector.sandbox.limits import Receive, Scope, Send

from .accounting_api import AU, invoice, open_api


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """Start and end with nothing in the permanent generation (the test process is shared)."""
    gc.unfreeze()
    yield
    gc.unfreeze()


async def test_the_accounting_api_never_freezes_the_collector(unfrozen: None) -> None:
    """``dev`` runs the sandbox inside the connector's process: a write must not touch its GC."""
    async with open_api() as api:
        before = api.store.counts()[AU]["invoices"]
        answer = await api.put("Invoices", [invoice() for _ in range(5)], summarize=False)
        assert answer.status_code == 200
        assert api.store.counts()[AU]["invoices"] == before + 5
    assert gc.get_freeze_count() == 0


async def test_the_wrapper_freezes_at_start_and_then_periodically(unfrozen: None) -> None:
    calls: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        calls.append(scope["type"])

    wrapper = PeriodicGcFreeze(app, interval=0.01)
    try:
        await wrapper({"type": "lifespan"}, _never, _ignore)
        assert calls == ["lifespan"]
        assert gc.get_freeze_count() > 0  # the first event froze what exists at start
        gc.unfreeze()
        kept = [{"n": n} for n in range(100)]  # new containers, tracked by the collector
        await asyncio.sleep(0.1)
        assert wrapper.freezes >= 2
        assert gc.get_freeze_count() >= len(kept)
        await wrapper({"type": "lifespan"}, _never, _ignore)
        assert calls == ["lifespan", "lifespan"]  # one timer, however many events
    finally:
        wrapper.stop()


def test_the_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        PeriodicGcFreeze(_noop_app, interval=0)


async def _never() -> dict[str, object]:
    raise AssertionError("the wrapper must not read the app's messages")


async def _ignore(message: object) -> None:
    return None


async def _noop_app(scope: Scope, receive: Receive, send: Send) -> None:
    return None
