"""A client that repeats a POST the moment it has the answer gets the replay, never a 409."""

from __future__ import annotations

import json

from sqlalchemy import select
from starlette.types import Message

from tests.ledger.api_support import LedgerApi
from xero_connector.db.models import IdempotencyKey


async def test_the_key_is_settled_before_the_answer_completes(ledger_api: LedgerApi) -> None:
    connection_id = await ledger_api.connection()
    path = f"/v1/connections/{connection_id}/contacts"
    body = json.dumps({"items": [{"external_id": "c-1", "name": "c-1"}]}).encode()
    headers = {
        **ledger_api.service,
        "Idempotency-Key": "k-settled",
        "Content-Type": "application/json",
    }
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"test")]
        + [(name.lower().encode(), value.encode()) for name, value in headers.items()],
        "client": ("127.0.0.1", 5000),
        "server": ("test", 80),
    }
    sent_body = False

    async def receive() -> Message:
        nonlocal sent_body
        if not sent_body:
            sent_body = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    status_when_complete: list[int | None] = []

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            async with ledger_api.sessions() as session:
                status_when_complete.append(
                    await session.scalar(
                        select(IdempotencyKey.response_status).where(
                            IdempotencyKey.key == "k-settled"
                        )
                    )
                )

    await ledger_api.app(scope, receive, send)

    assert status_when_complete == [200]
