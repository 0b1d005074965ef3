"""The Xero sandbox inside ``dev``: on its own port, with app credentials made for this run.

Without real Xero credentials, ``dev`` starts the sandbox beside the API and points the three Xero
origins, the client id and the client secret at it. Strict schema checking needs Xero's OpenAPI
description (``../shared/xero-openapi``); when it is not found, the sandbox runs without it and says
so, since a newcomer's clone may not have it.

The sandbox's world (grants, connections, documents, settings) is kept in
``<database>.sandbox-state`` beside the SQLite file, so a restarted ``dev`` finds the connections
its database still holds (see ``sandbox/persistence.py``).
"""

from __future__ import annotations

import secrets
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy.engine import make_url
from starlette.types import ASGIApp

from xero_connector.errors import ConfigurationError
from xero_connector.logs import get_logger
from xero_connector.sandbox.accounting import SpecNotFoundError
from xero_connector.sandbox.app import Sandbox, create_sandbox_app
from xero_connector.sandbox.persistence import PersistentSandbox, load_world
from xero_connector.sandbox.world import SandboxConfig
from xero_connector.settings import Settings

DEV_CLIENT_ID = "xero-connector-dev"

log = get_logger(__name__)


def sandbox_state_path(database_url: str) -> Path | None:
    """``<database file without suffix>.sandbox-state``; None for a database that is no file."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database).with_suffix(".sandbox-state")


def build_dev_sandbox(
    settings: Settings, *, host: str, port: int, sandbox_port: int
) -> tuple[Settings, ASGIApp]:
    """The sandbox app for this run (resuming the world of the last run), and the settings
    pointed at it."""
    if sandbox_port == port:
        raise ConfigurationError("--sandbox-port must differ from --port")
    secret = secrets.token_urlsafe(24)
    config = SandboxConfig(clients={DEV_CLIENT_ID: secret})
    try:
        app = create_sandbox_app(config)
    except SpecNotFoundError:
        log.warning("sandbox_not_strict", reason="Xero's OpenAPI description was not found")
        config.strict = False
        app = create_sandbox_app(config)
    served: ASGIApp = app
    state_path = sandbox_state_path(settings.database_url)
    if state_path is not None:
        sandbox: Sandbox = app.state.sandbox
        resumed = load_world(sandbox, state_path)
        log.info("sandbox_state", path=str(state_path), resumed=resumed)
        served = PersistentSandbox(app, sandbox, state_path)
    origin = f"http://{host}:{sandbox_port}"
    pointed = settings.model_copy(
        update={
            "xero_client_id": DEV_CLIENT_ID,
            "xero_client_secret": SecretStr(secret),
            "xero_login_base": origin,
            "xero_identity_base": origin,
            "xero_api_base": origin,
        }
    )
    return pointed, served
