"""What the browser test asks of the API directly, as the platform's back end would (API key)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class Backend:
    base: str
    api_key: str

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def connection_id(self, tenant_name: str) -> str:
        answer = httpx.get(
            f"{self.base}/v1/connections",
            params={"workspace_id": "demo-workspace"},
            headers=self._headers(),
        )
        answer.raise_for_status()
        found: str = next(
            c["id"] for c in answer.json()["items"] if c["tenant_name"] == tenant_name
        )
        return found

    def wait_for_settings(self, connection_id: str, timeout: float = 30.0) -> None:
        """Until the connection's first settings pull has finished."""
        deadline = time.monotonic() + timeout
        url = f"{self.base}/v1/connections/{connection_id}/accounts"
        while time.monotonic() < deadline:
            answer = httpx.get(url, headers=self._headers())
            if answer.status_code == 200 and answer.json()["pulled_at"]:
                return
            time.sleep(0.2)
        raise AssertionError("the first settings pull did not finish")

    def wait_for_first_sync(self, connection_id: str, timeout: float = 60.0) -> None:
        """Until the sync the connect asked for has finished (records ingested later get a run
        of their own rather than joining one about to end)."""
        deadline = time.monotonic() + timeout
        url = f"{self.base}/v1/connections/{connection_id}/syncs"
        while time.monotonic() < deadline:
            answer = httpx.get(url, headers=self._headers())
            runs = answer.json()["items"] if answer.status_code == 200 else []
            if runs and all(run["finished_at"] for run in runs):
                return
            time.sleep(0.2)
        raise AssertionError("the first sync did not finish")
