"""Benchmark: how many 50-invoice batch writes per second one sandbox process serves.

Starts ``python -m xero_connector sandbox`` as a separate process (strict mode ON, rate limits
raised out of the way, auto-approve consent), signs in over real HTTP (authorize -> code -> token),
then drives ``PUT /api.xro/2.0/Invoices?summarizeErrors=false`` with concurrent batches of 50 valid
invoices from this process with httpx. Prints batches/s, invoices/s, latency p50/p95/p99 and the
server's counters (schema violations and limit breaches must be 0; every element must be OK).

.venv/bin/python bench/sandbox_writes.py [--batches 3000] [--concurrency 8] [--port P]

Bounded: a fixed number of batches against 127.0.0.1 only; the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import orjson

ROOT = Path(__file__).resolve().parents[1]
CLIENT_ID, CLIENT_SECRET = "bench-client", "bench-secret"
REDIRECT_URI = "http://127.0.0.1/callback"
BATCH = 50
HUGE = str(10**9)
# one per element saved without warning; a bare b'"OK"' would also match the envelope's "Status"
OK_ELEMENT = b'"StatusAttributeString":"OK"'


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = [
        sys.executable, "-m", "xero_connector", "sandbox",
        "--host", "127.0.0.1", "--port", str(port),
        "--client", f"{CLIENT_ID}:{CLIENT_SECRET}",
        "--auto-approve", "alice",
        "--strict",
        "--tenant-concurrency", "1000",
        "--tenant-per-minute", HUGE, "--tenant-per-day", HUGE, "--app-per-minute", HUGE,
        "--no-access-log",
    ]  # fmt: skip
    return subprocess.Popen(command, env=env, cwd=ROOT)


async def wait_ready(client: httpx.AsyncClient, server: subprocess.Popen[bytes]) -> None:
    for _ in range(200):
        if server.poll() is not None:
            raise SystemExit(f"sandbox exited with {server.returncode}")
        try:
            if (await client.get("/.well-known/openid-configuration")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise SystemExit("sandbox did not start within 20 s")


async def sign_in(client: httpx.AsyncClient) -> tuple[str, str]:
    """(access token, tenant id) through the real authorize and token endpoints."""
    authorize = await client.get(
        "/identity/connect/authorize",
        params={
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "scope": "openid offline_access accounting.invoices accounting.contacts",
            "state": "bench",
        },
    )
    code = parse_qs(urlsplit(authorize.headers["location"]).query)["code"][0]
    token = await client.post(
        "/connect/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
        auth=(CLIENT_ID, CLIENT_SECRET),
    )
    access = token.json()["access_token"]
    connections = await client.get("/connections", headers={"Authorization": f"Bearer {access}"})
    return access, connections.json()[0]["tenantId"]


def invoice_batches(count: int, contact_ids: list[str]) -> list[bytes]:
    """Pre-serialised request bodies, so the client spends its CPU on HTTP, not on JSON."""
    bodies = []
    for batch in range(count):
        invoices = []
        for i in range(BATCH):
            n = batch * BATCH + i
            invoices.append(
                {
                    "Type": "ACCREC",
                    "Contact": {"ContactID": contact_ids[n % len(contact_ids)]},
                    "InvoiceNumber": f"BENCH-{n:07d}",
                    "Reference": f"order {n}",
                    "Date": "2026-01-15",
                    "DueDate": "2026-02-14",
                    "Status": "AUTHORISED",
                    "LineAmountTypes": "Exclusive",
                    "CurrencyCode": "AUD",
                    "LineItems": [
                        {
                            "Description": "Subscription",
                            "Quantity": 1 + n % 3,
                            "UnitAmount": 49.95,
                            "AccountCode": "200",
                            "TaxType": "OUTPUT",
                            "Tracking": [{"Name": "Region", "Option": "North"}],
                        },
                        {
                            "Description": "Setup fee",
                            "Quantity": 1,
                            "UnitAmount": 120.0,
                            "AccountCode": "260",
                            "TaxType": "OUTPUT",
                        },
                    ],
                }
            )
        bodies.append(orjson.dumps({"Invoices": invoices}))
    return bodies


async def drive(
    client: httpx.AsyncClient, headers: dict[str, str], bodies: list[bytes], concurrency: int
) -> tuple[float, list[float], int]:
    """(elapsed seconds, latencies, failed elements) of sending every body."""
    queue = list(reversed(bodies))
    latencies: list[float] = []
    failures = 0

    async def worker() -> None:
        nonlocal failures
        while queue:
            body = queue.pop()
            started = time.perf_counter()
            response = await client.put(
                "/api.xro/2.0/Invoices?summarizeErrors=false", content=body, headers=headers
            )
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200 or response.content.count(OK_ELEMENT) != BATCH:
                failures += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies, failures


def machine() -> str:
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}"


async def main(args: argparse.Namespace) -> None:
    port = args.port or free_port()
    server = start_server(port)
    limits = httpx.Limits(
        max_connections=args.concurrency, max_keepalive_connections=args.concurrency
    )
    try:
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
            await wait_ready(client, server)
            token, tenant = await sign_in(client)
            headers = {
                "Authorization": f"Bearer {token}",
                "xero-tenant-id": tenant,
                "Content-Type": "application/json",
                "Accept": "application/json",
            }
            contacts = (await client.get("/api.xro/2.0/Contacts", headers=headers)).json()
            contact_ids = [c["ContactID"] for c in contacts["Contacts"]]
            bodies = invoice_batches(args.warmup + args.batches, contact_ids)
            await drive(client, headers, bodies[: args.warmup], args.concurrency)
            elapsed, latencies, failures = await drive(
                client, headers, bodies[args.warmup :], args.concurrency
            )
            stats = (await client.get("/_sandbox/stats")).json()
    finally:
        server.terminate()
        server.wait(timeout=10)
    latencies.sort()
    ms = [1000 * latencies[int(q * (len(latencies) - 1))] for q in (0.5, 0.95, 0.99)]
    print(f"machine: {machine()}")
    print(f"batches: {args.batches} x {BATCH} invoices, concurrency {args.concurrency}, strict on")
    print(f"batches/s: {args.batches / elapsed:.1f}")
    print(f"invoices/s: {args.batches * BATCH / elapsed:.0f}")
    print(f"latency ms: p50 {ms[0]:.1f}  p95 {ms[1]:.1f}  p99 {ms[2]:.1f}  mean "
          f"{1000 * statistics.fmean(latencies):.1f}")  # fmt: skip
    print(f"failed batches: {failures}")
    print(f"server schema violations: {stats.get('schema_violations')}")
    print(f"server limit breaches: {stats.get('breaches_total')}")
    if failures or stats.get("schema_violations") or stats.get("breaches_total"):
        raise SystemExit(1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=3000)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    asyncio.run(main(parser.parse_args()))
