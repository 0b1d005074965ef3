"""What the browser test asks of the API directly, as the platform's back end would (API key)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

INVOICE = {
    "external_id": "inv-1001",
    "type": "sales",
    "contact_external_id": "cust-1",
    "issue_date": "2026-11-20",
    "due_date": "2026-12-20",
    "lines": [
        {
            "description": "Consulting",
            "unit_amount": "1200.00",
            "category": "Sales",
            "tax_code": "GST on Income",
        },
    ],
}
CONTACT = {"external_id": "cust-1", "name": "Ridgeway University", "email": "ap@ridgeway.test"}


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

    def ingest_invoice(self, connection_id: str) -> None:
        for path, item in (("contacts", CONTACT), ("invoices", INVOICE)):
            answer = httpx.post(
                f"{self.base}/v1/connections/{connection_id}/{path}",
                json={"items": [item]},
                headers={**self._headers(), "Idempotency-Key": f"browser-{path}"},
            )
            assert answer.status_code < 300, answer.text
