"""The Xero sandbox inside ``dev``: on its own port, with app credentials made for this run.

Without real Xero credentials, ``dev`` starts the sandbox beside the API and points the three Xero
origins, the client id and the client secret at it. Strict schema checking needs Xero's OpenAPI
description (``../shared/xero-openapi``); when it is not found, the sandbox runs without it and says
so, since a newcomer's clone may not have it.
"""

from __future__ import annotations

import secrets

from fastapi import FastAPI
from pydantic import SecretStr

from xero_connector.errors import ConfigurationError
from xero_connector.logs import get_logger
from xero_connector.sandbox.accounting import SpecNotFoundError
from xero_connector.sandbox.app import create_sandbox_app
from xero_connector.sandbox.world import SandboxConfig
from xero_connector.settings import Settings

DEV_CLIENT_ID = "xero-connector-dev"

log = get_logger(__name__)


def build_dev_sandbox(
    settings: Settings, *, host: str, port: int, sandbox_port: int
) -> tuple[Settings, FastAPI]:
    """The sandbox app for this run, and the settings pointed at it."""
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
    return pointed, app
