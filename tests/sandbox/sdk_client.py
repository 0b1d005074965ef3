"""Xero's official Python SDK (xero-python) wired to a live sandbox as an outside service does:
``base_url`` on ``AccountingApi`` and ``IdentityApi``, the ``TokenApi`` URLs, and a token getter
and saver around one stored token set."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from xero_python.accounting import AccountingApi
from xero_python.api_client import ApiClient, Configuration
from xero_python.api_client.oauth2 import OAuth2Token, TokenApi
from xero_python.identity import IdentityApi

CLIENT_ID = "sdk-app"
CLIENT_SECRET = "sdk-app-secret"
REDIRECT_URI = "http://sdk-app.test/callback"
SCOPE = (
    "openid profile email offline_access accounting.settings accounting.contacts "
    "accounting.invoices accounting.banktransactions"
)


@dataclass
class SdkClient:
    """One SDK client and the token store its getter and saver use."""

    api_client: ApiClient
    accounting: AccountingApi
    identity: IdentityApi
    store: dict[str, Any] = field(default_factory=dict)
    saved: int = 0


def consent(base_url: str) -> dict[str, Any]:
    """The code flow by plain HTTP (the SDK has none): authorize (auto-approved) and exchange."""
    authorize = httpx.get(
        f"{base_url}/identity/connect/authorize",
        params={
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "scope": SCOPE,
            "state": "sdk",
        },
    )
    code = parse_qs(urlsplit(authorize.headers["location"]).query)["code"][0]
    exchanged = httpx.post(
        f"{base_url}/connect/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
        auth=(CLIENT_ID, CLIENT_SECRET),
    )
    exchanged.raise_for_status()
    token: dict[str, Any] = exchanged.json()
    token["scope"] = str(token["scope"]).split()
    return token


def sdk_client(base_url: str, token: dict[str, Any], *, retries: bool = True) -> SdkClient:
    """The SDK pointed at the sandbox. ``retries=False`` turns off urllib3's own resending, which
    a careful client does (see docs/sandbox.md)."""
    TokenApi.refresh_token_url = f"{base_url}/connect/token"
    TokenApi.revoke_token_url = f"{base_url}/connect/revocation"
    configuration = Configuration(
        oauth2_token=OAuth2Token(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    )
    api_client = ApiClient(configuration, pool_threads=1)
    if not retries:
        api_client.rest_client.pool_manager.connection_pool_kw["retries"] = False
    client = SdkClient(
        api_client,
        AccountingApi(api_client, base_url=f"{base_url}/api.xro/2.0"),
        IdentityApi(api_client, base_url=base_url),
        {"token": token},
    )

    def get_token() -> dict[str, Any]:
        current: dict[str, Any] = client.store["token"]
        return current

    def save_token(new: dict[str, Any]) -> None:
        client.store["token"] = new
        client.saved += 1

    api_client.oauth2_token_getter(get_token)
    api_client.oauth2_token_saver(save_token)

    return client
