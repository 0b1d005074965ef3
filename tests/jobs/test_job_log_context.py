"""A job's log lines carry its name, id and try, and nothing of the request that enqueued it."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import structlog

from xero_connector.errors import TransientError
from xero_connector.jobs.inprocess import InProcessRunner
from xero_connector.logs import bind_log_ids, get_logger
from xero_connector.tokens.backoff import Backoff

log = get_logger(__name__)


async def noisy(ctx: dict[str, Any], connection_id: str) -> None:
    bind_log_ids(connection_id=connection_id)
    log.info("noisy_ran")
    if ctx["job_try"] == 1:
        raise TransientError("once more")


def lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [
        r.msg for r in caplog.records if isinstance(r.msg, dict) and r.msg["event"] == "noisy_ran"
    ]


async def test_job_lines_name_the_job_and_not_the_enqueuing_request(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    runner = InProcessRunner({"noisy": noisy}, backoff=Backoff(base_seconds=0.01, cap_seconds=0.01))
    structlog.contextvars.bind_contextvars(request_id="r-enqueuer", workspace_id="ws-r")
    try:
        assert await runner.enqueue("noisy", "c-1", job_id="noisy:c-1")
        await runner.drain()
        after = structlog.contextvars.get_contextvars()
    finally:
        structlog.contextvars.clear_contextvars()

    first, second = lines(caplog)
    assert (first["job"], first["job_id"], first["job_try"]) == ("noisy", "noisy:c-1", 1)
    assert second["job_try"] == 2
    assert first["connection_id"] == "c-1"
    assert "request_id" not in first
    assert "workspace_id" not in first
    assert after == {"request_id": "r-enqueuer", "workspace_id": "ws-r"}
