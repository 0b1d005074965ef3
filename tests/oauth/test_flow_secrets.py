"""A whole flow's logs, error bodies and audit rows contain no token, code, secret or key."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import structlog
from sqlalchemy import select

from tests.connector_app import KEY_ENTRY, Browser, outcome_of, state_of
from tests.fake_xero import CLIENT_SECRET, Tenant
from xero_connector.db.models import AuditEvent
from xero_connector.logs import configure_logging


class _Lines(logging.Handler):
    def __init__(self, formatter: logging.Formatter) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(formatter)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # As production writes it (the masking formatter is the second net, and counts).
        self.lines.append(self.format(record))


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    """Every log line (formatted as production formats it) written during the test."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging("DEBUG")
    formatter = root.handlers[0].formatter
    assert formatter is not None
    handler = _Lines(formatter)
    root.addHandler(handler)
    try:
        yield handler.lines
    finally:
        root.handlers, level = saved
        root.setLevel(level)
        structlog.reset_defaults()


async def test_a_whole_flow_leaks_no_secret(browser: Browser, log_lines: list[str]) -> None:
    bodies: list[str] = []
    browser.fake.access_token_lifetime = 30  # so the disconnect refreshes too
    url = await browser.authorize_url()
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    code = browser.fake.consent(url, [Tenant("tenant-1", "One"), Tenant("tenant-2", "Two")])
    response = await browser.callback(code=code, state=state_of(url))
    ids = outcome_of(response)["connection_ids"].split(",")
    bodies.append(response.text + str(response.headers))
    replay = await browser.callback(code=code, state=state_of(url))
    bodies.append(replay.text)
    for connection_id in ids:
        deleted = await browser.client.delete(
            f"/v1/connections/{connection_id}", headers=browser.headers
        )
        assert deleted.status_code == 204
    listed = await browser.client.get(
        "/v1/connections", params={"workspace_id": "ws-1"}, headers=browser.headers
    )
    bodies.append(listed.text)
    # And a failing flow.
    browser.fake.fail_token = "invalid_grant"
    failed_url = await browser.authorize_url()
    failed_code = browser.fake.consent(failed_url, [Tenant("tenant-3", "Three")])
    failed = await browser.callback(code=failed_code, state=state_of(failed_url))
    bodies.append(failed.text + str(failed.headers))

    secrets = {
        code,
        failed_code,
        state_of(url),
        state_of(failed_url),
        query["nonce"],
        CLIENT_SECRET,
        KEY_ENTRY.split(":", 1)[1],
        browser.headers["Authorization"].removeprefix("Bearer "),
        *browser.fake.access_tokens,
        *browser.fake.revoked_tokens,
        *browser.fake.refresh_tokens,  # issued and still live, never sent back
        *(r["code_verifier"] for r in browser.fake.token_requests if "code_verifier" in r),
        *(r["refresh_token"] for r in browser.fake.token_requests if "refresh_token" in r),
    }
    async with browser.context.session_factory() as session:
        audit = [
            repr((e.actor, e.action, e.target, e.result, e.source, e.detail))
            for e in await session.scalars(select(AuditEvent))
        ]
    assert len(audit) >= 6
    assert log_lines, "the flow should have logged something"
    for where, texts in (("logs", log_lines), ("bodies", bodies), ("audit", audit)):
        for text in texts:
            for secret in secrets:
                assert secret not in text, f"a secret leaked into {where}: {text[:200]}"
