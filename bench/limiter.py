"""Benchmark of the rate limiter against the sandbox at Xero's limit values.

    PYTHONPATH=src .venv/bin/python bench/limiter.py [--scale 20] [--windows 10]

Needs Redis (XERO_CONNECTOR_TEST_REDIS, default the local one). Starts ``xero-connector sandbox``
(time-scaled: a Xero minute lasts 60/scale real seconds; rolling windows; 20 ms +- 10 ms added
latency), signs in over HTTP, then runs worker processes (bench/limiter_worker.py) that call
``GET /api.xro/2.0/Organisation`` as hard as they can through one Redis limiter:

1. one tenant, 2 processes x 10 callers, Xero's limits (60 a minute, 5 in flight): calls admitted
   per minute window as a share of 60, and the breaches the sandbox counted;
2. 100 tenants across 4 processes (2 callers each) with the app-wide limit at 1,000 a minute
   (sandbox and limiter): the share of that ceiling used, and the slowest tenant's rate as a
   share of the mean. The sandbox seeds three organisations: these 100 are synthetic tenant ids,
   which its limits middleware counts and limits like any before the route answers 403;
3. the limiter alone (no HTTP, limits out of reach): microseconds and Redis round trips per call
   admitted, against the in-process backend.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import httpx

from xero_connector.xero.identity import XeroEndpoints, XeroIdentity
from xero_connector.xero.limiter import LimitConfig

ROOT = Path(__file__).resolve().parents[1]
CLIENT_ID, CLIENT_SECRET = "bench-limiter", "bench-limiter-secret"
REDIRECT_URI = "http://127.0.0.1:9/v1/callback"
REDIS_URL = os.environ.get("XERO_CONNECTOR_TEST_REDIS", "redis://127.0.0.1:6379/0")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}


def start_sandbox(port: int, scale: float, *flags: str) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "xero_connector", "sandbox", "--port", str(port),
        "--client", f"{CLIENT_ID}:{CLIENT_SECRET}", "--auto-approve", "alice",
        "--time-scale", str(scale), "--access-token-seconds", str(10**8), "--no-strict",
        "--latency-ms", "20", "--latency-jitter-ms", "10", "--no-access-log", *flags,
    ]  # fmt: skip
    return subprocess.Popen(command, env=env(), stdout=subprocess.DEVNULL)


async def sign_in(origin: str) -> tuple[str, str]:
    """(access token, tenant id): consent (auto-approved), code exchange, /connections."""
    async with httpx.AsyncClient() as http:
        for _ in range(300):
            try:
                (await http.get(f"{origin}/_sandbox/stats")).raise_for_status()
                break
            except httpx.HTTPError:
                await asyncio.sleep(0.1)
        endpoints = XeroEndpoints(login_base=origin, identity_base=origin, api_base=origin)
        identity = XeroIdentity(
            client_id=CLIENT_ID, client_secret=CLIENT_SECRET, endpoints=endpoints, http=http
        )
        request = identity.authorization_request(
            redirect_uri=REDIRECT_URI, scopes=["openid", "offline_access", "accounting.settings"]
        )
        answer = await http.get(request.url, follow_redirects=False)
        code = httpx.URL(answer.headers["location"]).params["code"]
        tokens = await identity.exchange_code(
            code=code, code_verifier=request.code_verifier, redirect_uri=REDIRECT_URI
        )
        tenants = await identity.list_connections(tokens.access_token)
        await identity.aclose()
    return tokens.access_token, tenants[0].tenant_id


def run_workers(specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    worker = str(ROOT / "bench" / "limiter_worker.py")
    processes = [
        subprocess.Popen(
            [sys.executable, worker, json.dumps(spec)], env=env(), stdout=subprocess.PIPE
        )
        for spec in specs
    ]
    results = []
    for process in processes:
        out, _ = process.communicate(timeout=600)
        if process.returncode != 0:
            raise SystemExit(f"a worker failed ({process.returncode})")
        results.append(json.loads(out.decode().strip().splitlines()[-1]))
    return results


def worker_spec(
    limits: LimitConfig, tenants: list[str], per_tenant: int, seconds: float, **extra: Any
) -> dict[str, Any]:
    return {
        "limits": asdict(limits),
        "tenants": tenants,
        "per_tenant": per_tenant,
        "seconds": seconds,
        **extra,
    }


def steady_rate(times: list[float], start: float, end: float, window: float) -> float:
    """Calls per window after the first window (the first one starts with a full budget)."""
    steady = [t for t in times if start + window <= t < end]
    return len(steady) / ((end - start - window) / window)


def per_window(times: list[float], first: float, window: float, count: int) -> list[int]:
    """Calls admitted in each consecutive window from the first admission."""
    return [
        sum(1 for t in times if first + k * window <= t < first + (k + 1) * window)
        for k in range(count)
    ]


def max_in_window(times: list[float], window: float) -> int:
    ordered, best, low = sorted(times), 0, 0
    for high, moment in enumerate(ordered):
        while moment - ordered[low] >= window:
            low += 1
        best = max(best, high - low + 1)
    return best


def stats(origin: str) -> dict[str, Any]:
    found: dict[str, Any] = httpx.get(f"{origin}/_sandbox/stats").json()
    return found


def merged(results: list[dict[str, Any]]) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {}
    for result in results:
        for tenant, admitted in result["admitted"].items():
            times.setdefault(tenant, []).extend(admitted)
    return times


def cost(results: list[dict[str, Any]]) -> dict[str, float]:
    """Per call admitted: Redis round trips, wall microseconds inside limiter steps (sleeps
    excluded; includes waiting for a busy event loop), CPU microseconds of the whole process."""
    calls = max(sum(len(t) for r in results for t in r["admitted"].values()), 1)
    return {
        "round_trips_per_call": sum(r["round_trips"] for r in results) / calls,
        "step_us_per_call": sum(r["limiter_seconds"] for r in results) / calls * 1e6,
        "process_cpu_us_per_call": sum(r["cpu_seconds"] for r in results) / calls * 1e6,
    }


@contextmanager
def sandbox(scale: float, *flags: str) -> Iterator[tuple[str, str, str]]:
    """A running sandbox: (origin, access token, alice's tenant id); stopped at the end."""
    port = free_port()
    process = start_sandbox(port, scale, *flags)
    origin = f"http://127.0.0.1:{port}"
    try:
        token, tenant = asyncio.run(sign_in(origin))
        yield origin, token, tenant
    finally:
        process.terminate()
        process.wait(10)


def one_tenant(scale: float, windows: int) -> dict[str, Any]:
    with sandbox(scale) as (origin, token, tenant):
        limits = LimitConfig(time_scale=scale)
        seconds = windows * 60 / scale
        start = time.time() + 3
        common = {"redis": REDIS_URL, "namespace": f"bench-{uuid.uuid4().hex[:8]}"}
        specs = [
            worker_spec(limits, [tenant], 10, seconds, origin=origin, token=token, start_at=start,
                        **common)
            for _ in range(2)
        ]  # fmt: skip
        results = run_workers(specs)
        counted = stats(origin)
    window = 60 / scale
    times = merged(results)[tenant]
    first = min(times)
    end = start + seconds
    return {
        "calls": len(times),
        "per_window": per_window(times, first, window, windows),
        "steady_share": steady_rate(times, first, end, window) / 60,
        "max_in_any_window": max_in_window(times, window),
        "breaches": counted["breaches"],
        "sandbox_calls": counted["calls_per_tenant"].get(tenant, 0),
        **cost(results),
    }


def many_tenants(scale: float, windows: int, app_limit: int) -> dict[str, Any]:
    with sandbox(scale, "--app-per-minute", str(app_limit)) as (origin, token, _):
        limits = LimitConfig(time_scale=scale, app_minute=app_limit)
        tenants = [str(uuid.uuid4()) for _ in range(100)]
        seconds = windows * 60 / scale
        start = time.time() + 4
        common = {"redis": REDIS_URL, "namespace": f"bench-{uuid.uuid4().hex[:8]}"}
        specs = [
            worker_spec(limits, tenants[i::4], 2, seconds, origin=origin, token=token,
                        start_at=start, **common)
            for i in range(4)
        ]  # fmt: skip
        results = run_workers(specs)
        counted = stats(origin)
    window = 60 / scale
    times = merged(results)
    everything = [t for admitted in times.values() for t in admitted]
    first = min(everything)
    end = start + seconds
    rates = [steady_rate(times.get(tenant, []), first, end, window) for tenant in tenants]
    return {
        "calls": len(everything),
        "per_window": per_window(everything, first, window, windows),
        "app_share": steady_rate(everything, first, end, window) / app_limit,
        "max_in_any_window": max_in_window(everything, window),
        "slowest_over_mean": min(rates) / statistics.mean(rates),
        "fastest_over_mean": max(rates) / statistics.mean(rates),
        "breaches": counted["breaches"],
        "sandbox_calls": sum(counted["calls_per_tenant"].get(t, 0) for t in tenants),
        **cost(results),
    }


def limiter_alone(backend: str, callers: int, seconds: float = 3.0) -> dict[str, Any]:
    """Acquire and release as fast as ``callers`` (one per tenant) can, limits out of reach."""
    big = 10**9
    limits = LimitConfig(tenant_concurrency=big, tenant_minute=big, tenant_day=big, app_minute=big)
    tenants = [f"solo-{i}" for i in range(callers)]
    extra: dict[str, Any] = {"start_at": time.time() + 1.5}
    if backend == "redis":
        extra |= {"redis": REDIS_URL, "namespace": f"bench-{uuid.uuid4().hex[:8]}"}
    (result,) = run_workers([worker_spec(limits, tenants, 1, seconds, **extra)])
    calls = sum(len(t) for t in result["admitted"].values())
    return {"calls_per_second": calls / seconds, **cost([result])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=20.0, help="sandbox time scale, part 1")
    parser.add_argument("--windows", type=int, default=10, help="minute windows, part 1")
    parser.add_argument("--scale-many", type=float, default=4.0, help="time scale, part 2")
    parser.add_argument("--windows-many", type=int, default=4, help="minute windows, part 2")
    parser.add_argument("--app-limit", type=int, default=1000, help="app-wide limit, part 2")
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, load {os.getloadavg()[0]:.1f}")  # fmt: skip
    report = {
        "one_tenant": one_tenant(args.scale, args.windows),
        "many_tenants": many_tenants(args.scale_many, args.windows_many, args.app_limit),
        "limiter_alone_redis_1_caller": limiter_alone("redis", 1),
        "limiter_alone_redis_20_callers": limiter_alone("redis", 20),
        "limiter_alone_memory_1_caller": limiter_alone("memory", 1),
    }
    print(json.dumps(report, indent=2))
    print(f"load after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
