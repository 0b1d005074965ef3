"""``xero-connector dev`` (everything in one process, embedded defaults) and ``api`` (scale-out).

``dev`` checks that its ports are free, migrates the database, starts the Xero sandbox on its own
port unless real Xero credentials are set, keeps its keyring in a file beside the SQLite database
and serves with caller authentication on. Once both servers listen, it issues a fresh service API
key and prints it (``API key: <key>``); only then is the previous dev key revoked, so a ``dev``
that cannot start leaves the running one's key alone. Its jobs (refresh-ahead, keep-alive, owed
disconnects, the sweeper) run in-process, started and stopped by the app's lifespan. ``api``
refuses to start on a missing or placeholder secret and enqueues jobs into Redis for
``xero-connector worker``. Both serve the integration page at ``/ui/`` when
XERO_CONNECTOR_UI_ENABLED says so (dev: unless it says no); dev then prints its address, signed in
as the demo workspace, with a service key bound to that workspace for the page's demo data (dev
plays the platform's back end too; the next start revokes it with the other dev keys).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from pydantic import SecretStr
from starlette.types import ASGIApp

from xero_connector.auth.api_keys import issue_dev_demo_key, rotate_dev_key
from xero_connector.auth.dev_jwt import (
    DEMO_WORKSPACE_ID,
    dev_jwt_secret_path,
    load_or_create_dev_jwt_secret,
    mint_dashboard_jwt,
)
from xero_connector.cli._db import announce_database, session_scope
from xero_connector.cli.dev_sandbox import build_dev_sandbox
from xero_connector.db.migrate import upgrade_sync
from xero_connector.errors import ConfigurationError
from xero_connector.logs import configure_logging, get_logger
from xero_connector.main import create_app
from xero_connector.settings import Settings, reveal
from xero_connector.vault import dev_keyring_path, load_or_create_dev_keyring

Host = Annotated[str, typer.Option("--host", help="Interface to listen on.")]
Port = Annotated[int, typer.Option("--port", help="Port to listen on.")]
SandboxPort = Annotated[
    int,
    typer.Option("--sandbox-port", help="Port of the built-in Xero sandbox (no real credentials)."),
]

log = get_logger(__name__)


def with_redirect_default(settings: Settings, host: str, port: int) -> Settings:
    """Default the redirect URI to this server's own ``/v1/callback``."""
    if settings.xero_redirect_uri:
        return settings
    return settings.model_copy(update={"xero_redirect_uri": f"http://{host}:{port}/v1/callback"})


def with_dev_keyring(settings: Settings) -> Settings:
    """Use XERO_CONNECTOR_KEYS when set, else the keyring file beside the SQLite database."""
    if settings.keys is not None and settings.keys.get_secret_value().strip():
        return settings
    try:
        path = dev_keyring_path(settings.database_url)
    except ValueError:
        raise ConfigurationError(
            "XERO_CONNECTOR_KEYS must be set when dev runs on a database other than a SQLite file"
        ) from None
    keyring = load_or_create_dev_keyring(Path(path))
    return settings.model_copy(update={"keys": SecretStr(keyring)})


def with_dev_ui(settings: Settings) -> Settings:
    """The page on unless XERO_CONNECTOR_UI_ENABLED says otherwise; a JWT secret to sign it in.

    Without ``XERO_CONNECTOR_JWT_SECRET`` (and no JWKS URL) the secret is generated once and kept
    in a file beside the SQLite database, like the keyring.
    """
    if settings.ui_enabled is None:
        settings = settings.model_copy(update={"ui_enabled": True})
    if settings.jwt_secret is not None or settings.jwt_jwks_url:
        return settings
    try:
        path = dev_jwt_secret_path(settings.database_url)
    except ValueError:
        return settings  # no file to keep it in: the page asks for a token
    secret = load_or_create_dev_jwt_secret(path)
    return settings.model_copy(update={"jwt_secret": SecretStr(secret)})


def ui_address(
    settings: Settings, host: str, port: int, *, ingest_key: str | None = None
) -> str | None:
    """The page's URL, signed in as the demo workspace when dev holds the JWT secret.

    ``ingest_key`` (dev's demo-workspace key) rides along for the page's Load demo data button.
    """
    if not settings.ui_enabled:
        return None
    url = f"http://{host}:{port}/ui/"
    secret = reveal(settings.jwt_secret)
    if secret is None:
        return url
    token = mint_dashboard_jwt(
        secret,
        workspace_id=DEMO_WORKSPACE_ID,
        workspace_claim=settings.jwt_workspace_claim,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )
    extra = f"&ingest_key={ingest_key}" if ingest_key else ""
    return f"{url}#token={token}{extra}"


async def issue_dev_keys(database_url: str) -> tuple[str, str]:
    """Revoke the previous dev keys; a fresh unbound service key and the page's demo-data key."""
    async with session_scope(database_url) as session:
        issued = await rotate_dev_key(session, source="dev")
        demo = await issue_dev_demo_key(session, workspace_id=DEMO_WORKSPACE_ID, source="dev")
    return issued.key, demo.key


def check_port_free(host: str, port: int, option: str) -> None:
    """Refuse a port another process listens on, before anything else happens."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as error:
            raise ConfigurationError(
                f"{host}:{port} is in use ({error.strerror}); is another xero-connector "
                f"running there? Stop it or pick another {option}"
            ) from None


def _server(app: ASGIApp, host: str, port: int) -> uvicorn.Server:
    config = uvicorn.Config(app, host=host, port=port, log_config=None, lifespan="on")
    return uvicorn.Server(config)


def serve(
    settings: Settings,
    host: str,
    port: int,
    *,
    sandbox: ASGIApp | None = None,
    when_serving: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Serve the API, and in dev the sandbox beside it on its own port, in one event loop.

    ``when_serving`` runs once every server listens; when it fails, the servers stop.
    """
    servers = [_server(create_app(settings), host, port)]
    if sandbox is not None:
        servers.append(_server(sandbox, host, _port_of(settings.xero_api_base)))

    async def run_all() -> None:
        running = [asyncio.create_task(server.serve()) for server in servers]
        try:
            if when_serving is not None and await _all_started(servers, running):
                await when_serving()
        except BaseException:
            for server in servers:
                server.should_exit = True
            await asyncio.gather(*running, return_exceptions=True)
            raise
        await asyncio.gather(*running)

    asyncio.run(run_all())


async def _all_started(servers: list[uvicorn.Server], running: list[asyncio.Task[None]]) -> bool:
    while not all(server.started for server in servers):
        if any(task.done() for task in running):
            return False
        await asyncio.sleep(0.05)
    return True


def _port_of(origin: str) -> int:
    return int(origin.rsplit(":", 1)[1])


def _refuse(error: ConfigurationError) -> typer.Exit:
    typer.echo(f"error: {error}", err=True)
    return typer.Exit(2)


def dev(host: Host = "127.0.0.1", port: Port = 8000, sandbox_port: SandboxPort = 8001) -> None:
    """Run everything in one process, with a built-in Xero sandbox.

    The database is a SQLite file (XERO_CONNECTOR_DATABASE_URL) with its keyring in a file beside
    it; jobs run in-process; without real Xero credentials the sandbox stands in for Xero on
    --sandbox-port. Once serving, it prints a fresh API key and revokes the previous dev key,
    then the integration page's address, signed in as the demo workspace.
    """
    settings = Settings()
    configure_logging(settings.log_level, json=False)
    if settings.redis_url:
        # One process: nothing would run jobs enqueued into Redis.
        log.warning("dev_ignores_redis", reason="dev runs its jobs in-process")
        settings = settings.model_copy(update={"redis_url": None})
    sandbox = None
    try:
        settings = with_dev_ui(with_dev_keyring(settings))
        settings.check_for_dev()
        if not settings.has_real_xero_credentials:
            settings, sandbox = build_dev_sandbox(
                settings, host=host, port=port, sandbox_port=sandbox_port
            )
        check_port_free(host, port, "--port")
        if sandbox is not None:
            check_port_free(host, sandbox_port, "--sandbox-port")
    except ConfigurationError as error:
        raise _refuse(error) from None
    settings = with_redirect_default(settings, host, port)
    announce_database(settings.database_url)
    upgrade_sync(settings.database_url)

    async def hand_out_key() -> None:
        api_key, demo_key = await issue_dev_keys(settings.database_url)
        typer.echo(f"API key: {api_key}")
        page = ui_address(settings, host, port, ingest_key=demo_key)
        if page is not None:
            typer.echo(f"Integration page: {page}")
        log.info(
            "dev_serving",
            url=f"http://{host}:{port}",
            xero=settings.xero_api_base if sandbox else "real Xero",
        )

    serve(settings, host, port, sandbox=sandbox, when_serving=hand_out_key)


def api(host: Host = "127.0.0.1", port: Port = 8000) -> None:
    """Run the stateless REST API (Postgres and Redis required)."""
    settings = Settings()
    try:
        settings.check_for_scale_out()
        check_port_free(host, port, "--port")
    except ConfigurationError as error:
        raise _refuse(error) from None
    announce_database(settings.database_url)
    configure_logging(settings.log_level)
    serve(with_redirect_default(settings, host, port), host, port)


def register(app: typer.Typer) -> None:
    app.command()(dev)
    app.command()(api)
