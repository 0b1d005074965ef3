"""Scripted consent over plain HTTP: what a browser does on the sandbox's authorize pages."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from .conftest import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI

SCOPE = "openid profile email offline_access accounting.settings accounting.contacts"
PASSWORDS = {
    "alice@sandbox.test": "alice-password",
    "bob@sandbox.test": "bob-password",
    "carol@sandbox.test": "carol-password",
}
BOB_MFA = "246810"
AU, UK, US = (
    "a3b7c1d2-0000-4000-8000-000000000001",
    "a3b7c1d2-0000-4000-8000-000000000002",
    "a3b7c1d2-0000-4000-8000-000000000003",
)
_TXN = re.compile(r'<input type="hidden" name="txn" value="([^"]+)">')


@dataclass
class Pkce:
    verifier: str
    challenge: str

    @classmethod
    def make(cls) -> Pkce:
        verifier = secrets.token_urlsafe(48)
        digest = hashlib.sha256(verifier.encode()).digest()
        return cls(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode())


def basic(client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def txn_of(page: httpx.Response) -> str:
    match = _TXN.search(page.text)
    assert match, "the page carries no txn field"
    return match.group(1)


def authorize_params(pkce: Pkce | None = None, **overrides: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "scope": SCOPE,
        "state": secrets.token_urlsafe(12),
        "nonce": secrets.token_urlsafe(12),
    }
    if pkce is not None:
        params |= {"code_challenge": pkce.challenge, "code_challenge_method": "S256"}
    params.update(overrides)
    return params


async def consent(
    client: httpx.AsyncClient,
    email: str = "alice@sandbox.test",
    tenants: list[str] | None = None,
    action: str = "allow",
    params: dict[str, str] | None = None,
) -> httpx.Response:
    """Walk sign-in (+MFA for bob) and the picker; return the final redirect response."""
    page = await client.get("/identity/connect/authorize", params=params or authorize_params())
    assert page.status_code == 200
    assert page.headers["x-sandbox-step"] == "login"
    txn = txn_of(page)
    page = await client.post(
        "/identity/connect/authorize/login",
        data={"txn": txn, "email": email, "password": PASSWORDS[email]},
    )
    if page.headers["x-sandbox-step"] == "mfa":
        page = await client.post(
            "/identity/connect/authorize/mfa", data={"txn": txn, "code": BOB_MFA}
        )
    assert page.headers["x-sandbox-step"] == "consent"
    form: dict[str, Any] = {"txn": txn, "action": action, "tenant": tenants or [AU]}
    return await client.post("/identity/connect/authorize/consent", data=form)


async def exchange(
    client: httpx.AsyncClient, code: str, pkce: Pkce | None = None, **extra: str
) -> httpx.Response:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    if pkce is not None:
        form["code_verifier"] = pkce.verifier
    form.update(extra)
    return await client.post("/connect/token", data=form, headers=basic())


async def connect(
    client: httpx.AsyncClient, email: str = "alice@sandbox.test", tenants: list[str] | None = None
) -> dict[str, Any]:
    """Consent and exchange the code: the token set."""
    pkce = Pkce.make()
    done = await consent(client, email, tenants, params=authorize_params(pkce))
    tokens = await exchange(client, query(done.headers["location"])["code"], pkce)
    assert tokens.status_code == 200, tokens.text
    body: dict[str, Any] = tokens.json()
    return body


async def refresh(
    client: httpx.AsyncClient, refresh_token: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    return await client.post(
        "/connect/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        headers=headers or basic(),
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
