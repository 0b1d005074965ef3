"""``xero-connector sandbox``: the Xero emulator alone (see docs/sandbox.md)."""

from __future__ import annotations

from typing import Annotated

import typer

DEFAULT_CLIENT = "sandbox-client:sandbox-secret"


def parse_clients(values: list[str]) -> dict[str, str]:
    """``ID:SECRET`` pairs; the secret is everything after the first colon."""
    clients: dict[str, str] = {}
    for value in values or [DEFAULT_CLIENT]:
        client_id, sep, secret = value.partition(":")
        if not sep or not client_id or not secret:
            raise typer.BadParameter(f"expected ID:SECRET, got {client_id or '?'}:...")
        clients[client_id] = secret
    return clients


def check_shares(*groups: dict[str, float]) -> None:
    """Each share is in [0, 1], and the shares drawn from one stream add up to at most 1."""
    for group in groups:
        for flag, share in group.items():
            if not 0.0 <= share <= 1.0:
                raise typer.BadParameter(f"{flag} must be between 0 and 1")
        if sum(group.values()) > 1.0:
            raise typer.BadParameter(f"{' + '.join(group)} must add up to at most 1")


def sandbox(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8001,
    client: Annotated[
        list[str] | None,
        typer.Option(help=f"App credentials ID:SECRET (repeatable). Default {DEFAULT_CLIENT}."),
    ] = None,
    grace_seconds: Annotated[
        float, typer.Option(help="How long a used refresh token stays usable (sandbox s).")
    ] = 1800.0,
    time_scale: Annotated[
        float, typer.Option(help="Sandbox seconds per real second (limits, grace, expiry).")
    ] = 1.0,
    strict: Annotated[
        bool, typer.Option("--strict/--no-strict", help="Schema-validate write bodies.")
    ] = True,
    auto_approve: Annotated[
        str | None, typer.Option(help="Consent as this seeded user, without the pages.")
    ] = None,
    latency_ms: Annotated[float, typer.Option(help="Mean added latency per API call.")] = 0.0,
    latency_jitter_ms: Annotated[float, typer.Option(help="Standard deviation of it.")] = 0.0,
    fault_5xx: Annotated[float, typer.Option(help="Share of API calls answered 500/503.")] = 0.0,
    fault_drop: Annotated[
        float, typer.Option(help="Share of PUT/POST applied but never answered.")
    ] = 0.0,
    fault_hang: Annotated[float, typer.Option(help="Share of API calls that hang.")] = 0.0,
    fault_token_drop: Annotated[
        float,
        typer.Option(
            help="Share of /connect/token refresh calls applied (the token rotates) but never "
            "answered: the client times out."
        ),
    ] = 0.0,
    fault_token_5xx: Annotated[
        float,
        typer.Option(help="Share of /connect/token refresh calls answered 500/503, not applied."),
    ] = 0.0,
    hang_seconds: Annotated[
        float, typer.Option(help="Real seconds a hung or dropped call is held before a 504.")
    ] = 600.0,
    seed: Annotated[int, typer.Option(help="Seed of ids and faults.")] = 0,
    tenant_concurrency: Annotated[int, typer.Option(help="Calls in flight per tenant.")] = 5,
    tenant_per_minute: Annotated[int, typer.Option(help="Calls per minute per tenant.")] = 60,
    tenant_per_day: Annotated[int, typer.Option(help="Calls per day per tenant.")] = 5000,
    app_per_minute: Annotated[int, typer.Option(help="Calls per minute, all tenants.")] = 10000,
    limit_windows: Annotated[
        str,
        typer.Option(
            help="rolling: never more than a limit in any minute or day; fixed: windows that "
            "start at a tenant's first call and reset when they end."
        ),
    ] = "rolling",
    access_token_seconds: Annotated[int, typer.Option(help="Access token lifetime.")] = 1800,
    code_seconds: Annotated[int, typer.Option(help="Authorization code lifetime.")] = 300,
    redirect_uri: Annotated[
        list[str] | None,
        typer.Option(help="Registered redirect URI (repeatable); default: any http(s) URI."),
    ] = None,
    access_log: Annotated[bool, typer.Option(help="Log every request line.")] = True,
    gc_freeze_seconds: Annotated[
        float,
        typer.Option(
            help="Move what the sandbox stored into Python's permanent GC generation this often "
            "(keeps write latency flat as the ledger grows; 0 = never)."
        ),
    ] = 0.2,
) -> None:
    """Run the Xero sandbox alone: identity, accounting API, limits.

    It also serves Xero's connections endpoint and its own inspection routes under /_sandbox.
    API faults (--fault-5xx, --fault-drop, --fault-hang, --latency-ms) apply to /api.xro/2.0;
    token faults (--fault-token-drop, --fault-token-5xx) to refresh calls at /connect/token. A
    test can script exact faults instead: POST /_sandbox/faults {"next_refresh": ["drop"]}
    (or "next_write" for API writes).
    See docs/sandbox.md.
    """
    import uvicorn

    from xero_connector.sandbox.accounting import SpecNotFoundError
    from xero_connector.sandbox.app import create_sandbox_app
    from xero_connector.sandbox.gc_policy import PeriodicGcFreeze
    from xero_connector.sandbox.world import SandboxConfig

    config = SandboxConfig(
        clients=parse_clients(client or []),
        grace_seconds=grace_seconds,
        time_scale=time_scale,
        strict=strict,
        auto_approve=auto_approve,
        latency_ms=latency_ms,
        latency_jitter_ms=latency_jitter_ms,
        fault_5xx=fault_5xx,
        fault_drop=fault_drop,
        fault_hang=fault_hang,
        fault_token_drop=fault_token_drop,
        fault_token_5xx=fault_token_5xx,
        hang_seconds=hang_seconds,
        seed=seed,
        tenant_concurrency=tenant_concurrency,
        tenant_per_minute=tenant_per_minute,
        tenant_per_day=tenant_per_day,
        app_per_minute=app_per_minute,
        limit_windows="fixed" if limit_windows == "fixed" else "rolling",
        access_token_seconds=access_token_seconds,
        code_seconds=code_seconds,
        redirect_uris=tuple(redirect_uri or ()),
    )
    if limit_windows not in ("rolling", "fixed"):
        raise typer.BadParameter("--limit-windows must be rolling or fixed")
    if time_scale <= 0:
        raise typer.BadParameter("--time-scale must be positive")
    check_shares(
        {"--fault-5xx": fault_5xx, "--fault-drop": fault_drop, "--fault-hang": fault_hang},
        {"--fault-token-drop": fault_token_drop, "--fault-token-5xx": fault_token_5xx},
    )
    try:
        app = create_sandbox_app(config)
    except (ValueError, SpecNotFoundError) as exc:
        raise typer.BadParameter(str(exc)) from exc
    served = PeriodicGcFreeze(app, gc_freeze_seconds) if gc_freeze_seconds > 0 else app
    typer.echo(f"Xero sandbox on http://{host}:{port} (clients: {', '.join(config.clients)})")
    uvicorn.run(served, host=host, port=port, access_log=access_log, log_level="info")


def register(app: typer.Typer) -> None:
    app.command()(sandbox)
