"""``dev``'s own dashboard JWTs: a secret kept beside the SQLite database, and a token for the page.

A platform mints the dashboard JWTs its users' browsers carry; ``dev`` has no platform, so it
plays one: when ``XERO_CONNECTOR_JWT_SECRET`` is unset it keeps a generated HS256 secret in
``<database>.jwt-secret`` (owner-only, like the dev keyring) and signs the integration page in as
the demo workspace with a token it mints from that secret.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from joserfc import jwt
from joserfc.jwk import OctKey
from sqlalchemy.engine import make_url

from xero_connector.vault.dev import load_or_create_private_file

DEMO_WORKSPACE_ID = "demo-workspace"
DEV_TOKEN_SECONDS = 12 * 3600


def dev_jwt_secret_path(database_url: str) -> Path:
    """``<database file without suffix>.jwt-secret``; ``ValueError`` for a non-file database."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        raise ValueError("a dev JWT secret file needs a SQLite database file")
    return Path(url.database).with_suffix(".jwt-secret")


def load_or_create_dev_jwt_secret(path: Path) -> str:
    """The secret kept at ``path``, generated (48 random bytes, base64url) on first use."""
    return load_or_create_private_file(path, lambda: secrets.token_urlsafe(48))


def mint_dashboard_jwt(
    secret: str,
    *,
    workspace_id: str,
    workspace_claim: str = "workspace_id",
    issuer: str | None = None,
    audience: str | None = None,
    subject: str = "dev",
    lifetime_seconds: int = DEV_TOKEN_SECONDS,
) -> str:
    """An HS256 dashboard JWT for ``workspace_id``, as a platform would issue it."""
    now = int(time.time())
    claims: dict[str, object] = {
        workspace_claim: workspace_id,
        "sub": subject,
        "iat": now,
        "exp": now + lifetime_seconds,
    }
    if issuer:
        claims["iss"] = issuer
    if audience:
        claims["aud"] = audience
    return jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(secret.encode()))
