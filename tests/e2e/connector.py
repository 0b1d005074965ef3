"""The connector's REST API as a caller uses it, and the sandbox's inspection paths.

A thin client over real HTTP: each method is one documented call and returns what came back, so
tests assert on status codes and bodies themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.e2e.consent import SandboxUser, consent_as, query_of

APP_ORIGIN = "https://app.example.test"
RETURN_URL = f"{APP_ORIGIN}/settings/integrations/xero"


@dataclass
class Connector:
    """``xero-connector`` at ``base``, called with ``api_key``."""

    base: str
    api_key: str
    http: httpx.AsyncClient
    workspaces: set[str] = field(default_factory=set)  # every workspace a test connected into

    @property
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    async def connect(self, workspace_id: str, return_url: str | None = RETURN_URL) -> str:
        """``POST /v1/connect``: the authorize URL to send the user to."""
        self.workspaces.add(workspace_id)
        body: dict[str, str] = {"workspace_id": workspace_id}
        if return_url is not None:
            body["return_url"] = return_url
        answer = await self.http.post(f"{self.base}/v1/connect", json=body, headers=self._auth)
        assert answer.status_code == 201, answer.text
        link: dict[str, str] = answer.json()
        assert link["expires_at"].endswith("Z")
        return link["authorize_url"]

    async def callback(self, url: str) -> httpx.Response:
        """The browser arriving at ``/v1/callback`` (the answer's redirect is not followed)."""
        assert url.startswith(f"{self.base}/v1/callback?"), url
        return await self.http.get(url, follow_redirects=False)

    async def connections(self, workspace_id: str) -> list[dict[str, Any]]:
        answer = await self.http.get(
            f"{self.base}/v1/connections",
            params={"workspace_id": workspace_id},
            headers=self._auth,
        )
        assert answer.status_code == 200, answer.text
        page: dict[str, Any] = answer.json()
        assert page["next_cursor"] is None
        items: list[dict[str, Any]] = page["items"]
        return items

    async def connection(self, connection_id: str) -> httpx.Response:
        return await self.http.get(
            f"{self.base}/v1/connections/{connection_id}", headers=self._auth
        )

    async def disconnect(self, connection_id: str) -> httpx.Response:
        return await self.http.delete(
            f"{self.base}/v1/connections/{connection_id}", headers=self._auth
        )

    async def disconnect_all(self) -> None:
        """Disconnect every connection still live in the workspaces this client connected into."""
        for workspace_id in sorted(self.workspaces):
            for item in await self.connections(workspace_id):
                if item["status"] != "disconnected":
                    answer = await self.disconnect(item["id"])
                    assert answer.status_code == 204, answer.text


@dataclass
class Sandbox:
    """The Xero sandbox's inspection paths (``/_sandbox/``)."""

    origin: str
    http: httpx.AsyncClient

    async def stats(self) -> dict[str, Any]:
        answer = await self.http.get(f"{self.origin}/_sandbox/stats")
        answer.raise_for_status()
        body: dict[str, Any] = answer.json()
        return body

    async def state(self) -> dict[str, Any]:
        answer = await self.http.get(f"{self.origin}/_sandbox/state")
        answer.raise_for_status()
        body: dict[str, Any] = answer.json()
        return body

    async def reset(self) -> None:
        (await self.http.post(f"{self.origin}/_sandbox/reset")).raise_for_status()

    async def connections_of(self, email: str) -> dict[str, str]:
        """``{tenant id: Xero connection id}`` of the user's live connections at Xero."""
        state = await self.state()
        user_id = next(u["xero_userid"] for u in state["users"] if u["email"] == email)
        return {c["tenantId"]: c["id"] for c in state["connections"] if c["user"] == user_id}

    async def assert_clean(self) -> None:
        """The connector sent nothing Xero would reject as malformed and broke no rate limit."""
        stats = await self.stats()
        assert stats["schema_violations"] == 0, stats["schema_violation_samples"]
        assert stats["breaches_total"] == 0, stats["breaches"]


async def connect_through_xero(
    connector: Connector,
    workspace_id: str,
    user: SandboxUser,
    *,
    tenants: tuple[str, ...] | None = None,
    return_url: str | None = RETURN_URL,
) -> httpx.Response:
    """The whole "Connect to Xero" round trip; the connector's answer to the callback."""
    authorize_url = await connector.connect(workspace_id, return_url)
    callback_url = await consent_as(connector.http, authorize_url, user, tenants=tenants)
    assert "code" in query_of(callback_url)
    return await connector.callback(callback_url)


def outcome_of(answer: httpx.Response) -> dict[str, str]:
    """The outcome a 303 to the return URL carries in its query."""
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert location.startswith(f"{RETURN_URL}?"), location
    return query_of(location)
