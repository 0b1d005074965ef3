"""The dispatcher seam's boundary: only ``jobs.arq_worker`` knows arq, and a task's own
``TransientError`` becomes a retry under both dispatchers (arq: burst mode, real Redis)."""

from __future__ import annotations

import ast
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REDIS_URL
from xero_connector.errors import TransientError
from xero_connector.jobs.arq_worker import ArqDispatcher, arq_redis, create_worker, worker_settings
from xero_connector.jobs.inprocess import InProcessRunner
from xero_connector.tokens.backoff import Backoff

SRC = Path(__file__).resolve().parents[2] / "src" / "xero_connector"


def _imports_arq(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import) and any(
            alias.name.split(".")[0] == "arq" for alias in node.names
        ):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "arq":
            return True
    return False


def test_only_the_arq_module_of_the_seam_imports_arq() -> None:
    importers = {p.relative_to(SRC).as_posix() for p in SRC.rglob("*.py") if _imports_arq(p)}
    assert importers == {"jobs/arq_worker.py"}


class Flaky:
    """Fails transiently on its first try; records the tries it saw (and nothing arq-specific)."""

    def __init__(self) -> None:
        self.tries: list[int] = []

    async def __call__(self, ctx: dict[str, Any], grant_id: str) -> str:
        self.tries.append(int(ctx["job_try"]))
        if len(self.tries) == 1:
            raise TransientError("Xero is busy", retry_after=0.2)
        return f"done {grant_id}"


@pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")
async def test_arq_retries_a_task_that_raises_the_projects_transient_error() -> None:
    queue = f"xc-test-{uuid.uuid4().hex[:10]}"
    flaky = Flaky()

    async def nothing(ctx: dict[str, Any]) -> None:
        return None

    settings = worker_settings(
        redis_url=REDIS_URL,
        queue_name=queue,
        tasks={"flaky": flaky},
        crons=[],
        on_startup=nothing,
        on_shutdown=nothing,
        max_jobs=2,
        max_tries=3,
    )
    redis = arq_redis(REDIS_URL)
    try:
        assert await ArqDispatcher(redis, queue).enqueue("flaky", "g1", job_id="flaky:g1")
        worker = create_worker(settings, burst=True, handle_signals=False, poll_delay=0.05)
        try:
            await worker.async_run()
        finally:
            await worker.close()
        assert flaky.tries == [1, 2]  # retried by the seam, not failed
        assert (worker.jobs_complete, worker.jobs_retried, worker.jobs_failed) == (1, 1, 0)
    finally:
        doomed = [key async for key in redis.scan_iter(match=f"*{queue}*")]
        if doomed:
            await redis.delete(*doomed)
        await redis.aclose()


async def test_the_in_process_runner_retries_the_same_transient_error() -> None:
    flaky = Flaky()
    runner = InProcessRunner({"flaky": flaky}, backoff=Backoff(0.01, 0.01))
    assert await runner.run_now("flaky", "g1") == "done g1"
    assert flaky.tries == [1, 2]
