"""Helpers of the multi-process limiter tests: a sandbox per scenario, drivers as OS processes."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

from tests.conftest import REDIS_URL
from tests.tokens.sandbox_support import SandboxServer, run_sandbox, subprocess_env
from xero_connector.xero.client import TenantRef
from xero_connector.xero.limiter import LimitConfig

SCALE = 60.0  # a Xero minute is one real second


def sandbox_flags(scale: float = SCALE, **limits: int) -> tuple[str, ...]:
    # No schema validation of write bodies: these tests only read, and it halves the start-up.
    flags = ["--no-strict", "--time-scale", str(scale), "--access-token-seconds", str(10**7)]
    for name, value in limits.items():
        flags += [f"--{name.replace('_', '-')}", str(value)]
    return tuple(flags)


@contextmanager
def sandbox(*extra: str, scale: float = SCALE, **limits: int) -> Iterator[SandboxServer]:
    flags = (*sandbox_flags(scale, **limits), *extra)
    with run_sandbox(grace_seconds=1800, extra=flags) as server:
        yield server


def namespace() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def fast_limits(**overrides: Any) -> LimitConfig:
    values: dict[str, Any] = {"time_scale": SCALE, "lease_seconds": 5.0, "poll_seconds": 0.02}
    return LimitConfig(**{**values, **overrides})


def spec(
    mode: str,
    *,
    db: str,
    keys: str,
    server: SandboxServer,
    ref: TenantRef,
    ns: str,
    limits: LimitConfig,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "mode": mode,
        "db": db,
        "redis": REDIS_URL,
        "namespace": ns,
        "keys": keys,
        "sandbox": server.origin,
        "ref": [ref.connection_id, ref.grant_id, ref.tenant_id],
        "limits": asdict(limits),
        **extra,
    }


def start(spec_: dict[str, Any]) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "tests.xero.limiter_driver", json.dumps(spec_)],
        env=subprocess_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def most_in_any(times: list[float], window: float) -> int:
    """The most of ``times`` inside any ``window``-long stretch."""
    ordered, best, low = sorted(times), 0, 0
    for high, moment in enumerate(ordered):
        while moment - ordered[low] >= window:
            low += 1
        best = max(best, high - low + 1)
    return best


def results(processes: Sequence[subprocess.Popen[str]], timeout: float) -> list[dict[str, Any]]:
    found = []
    for process in processes:
        out, err = process.communicate(timeout=timeout)
        assert process.returncode == 0, err[-3000:]
        found.append(json.loads(out.strip().splitlines()[-1]))
    return found
