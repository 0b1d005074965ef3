"""Dashboard JWTs for the tests."""

from __future__ import annotations

import time
from typing import Any

from joserfc import jwt
from joserfc.jwk import OctKey

from tests.api.conftest import JWT_AUDIENCE, JWT_ISSUER, JWT_SECRET


def dashboard_jwt(
    workspace_id: str | None = "ws-1", *, secret: str = JWT_SECRET, **overrides: Any
) -> str:
    claims: dict[str, Any] = {
        "iss": JWT_ISSUER,
        "aud": JWT_AUDIENCE,
        "sub": "user-7",
        "exp": int(time.time()) + 300,
    }
    if workspace_id is not None:
        claims["workspace_id"] = workspace_id
    claims.update(overrides)
    claims = {key: value for key, value in claims.items() if value is not None}
    return jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(secret.encode()))
