"""The sandbox's signing key: an RSA key made at start, published as a JWKS, used for RS256 JWTs."""

from __future__ import annotations

from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey


class SigningKey:
    """One RSA key pair; ``jwks()`` publishes only its public half."""

    def __init__(self, kid: str) -> None:
        self.kid = kid
        self._key = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})

    def __repr__(self) -> str:
        return f"SigningKey(kid={self.kid!r})"

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        public = dict(self._key.as_dict(private=False))
        return {"keys": [public]}

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode({"alg": "RS256", "kid": self.kid, "typ": "JWT"}, claims, self._key)
