"""The token set Xero hands out, as we keep it (sealed by the vault inside a grant row)."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class TokenSet:
    """Access, refresh and id token with the access token's expiry and the granted scopes.

    The tokens are excluded from ``repr`` so that a logged or printed TokenSet shows no secret.
    """

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime
    id_token: str | None = field(default=None, repr=False)
    scopes: tuple[str, ...] = ()

    @classmethod
    def from_token_response(cls, data: Mapping[str, Any], *, now: datetime) -> TokenSet:
        """Build from a token endpoint answer (``expires_in`` counts from ``now``)."""
        scope = data.get("scope") or ""
        return cls(
            access_token=str(data["access_token"]),
            refresh_token=str(data["refresh_token"]),
            expires_at=now + timedelta(seconds=int(data.get("expires_in", 1800))),
            id_token=data.get("id_token"),
            scopes=tuple(str(scope).split()),
        )

    def to_bytes(self) -> bytes:
        """The plaintext the vault seals."""
        return json.dumps(
            {
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "id_token": self.id_token,
                "expires_at": self.expires_at.isoformat(),
                "scopes": list(self.scopes),
            }
        ).encode()

    @classmethod
    def from_bytes(cls, plaintext: bytes) -> TokenSet:
        data = json.loads(plaintext)
        return cls(
            access_token=data["access_token"],
            refresh_token=data["refresh_token"],
            id_token=data.get("id_token"),
            expires_at=datetime.fromisoformat(data["expires_at"]),
            scopes=tuple(data.get("scopes", ())),
        )

    def access_claims(self) -> dict[str, Any]:
        """The access token's JWT claims, unverified.

        The access token is addressed to Xero, not to us; we received it straight from Xero's token
        endpoint over TLS, so reading (not trusting for authorisation) its claims is sound.
        """
        try:
            payload = self.access_token.split(".")[1]
            decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
            claims = json.loads(decoded)
        except (IndexError, ValueError):
            return {}
        return claims if isinstance(claims, dict) else {}

    @property
    def authentication_event_id(self) -> str | None:
        value = self.access_claims().get("authentication_event_id")
        return str(value) if value else None
