"""The log processor masks secrets that reach a log line anyway (the second net)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from xero_connector.logs import configure_logging, get_logger
from xero_connector.redaction import redact, redact_text

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJlc2lnbmF0dXJl"
API_KEY = "xck_0123456789ab_SuperSecretKeyMaterial0123456789"


@pytest.fixture
def logs(capsys: pytest.CaptureFixture[str]) -> Iterator[pytest.CaptureFixture[str]]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging("INFO")
    yield capsys
    root.handlers, root.level = handlers, level


def lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]


def test_secret_named_fields_are_masked(logs: pytest.CaptureFixture[str]) -> None:
    get_logger("t").info(
        "exchanged", access_token="at-123", refresh_token="rt-456", client_secret="cs", tenant="t1"
    )
    [line] = lines(logs)
    assert line["access_token"] == line["refresh_token"] == line["client_secret"] == "***"
    assert line["tenant"] == "t1"


def test_token_shaped_values_are_masked_anywhere(logs: pytest.CaptureFixture[str]) -> None:
    get_logger("t").info(
        f"header Bearer {API_KEY}", note=f"got {JWT}", nested={"items": [API_KEY], "password": "p"}
    )
    output = logs.readouterr().err
    assert JWT not in output
    assert API_KEY not in output
    assert '"password": "***"' in output


def test_a_password_in_a_url_is_masked(logs: pytest.CaptureFixture[str]) -> None:
    get_logger("t").warning("db_down", url="postgresql+asyncpg://connector:pw-1234@db:5432/xc")
    output = logs.readouterr().err
    assert "pw-1234" not in output
    assert "postgresql+asyncpg://connector:***@db:5432/xc" in output


def test_standard_library_records_are_masked_too(logs: pytest.CaptureFixture[str]) -> None:
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/1.1" %d', "127.0.0.1", "GET", "/v1/callback?code=abc123&state=xyz789", 303
    )
    output = logs.readouterr().err
    assert "abc123" not in output
    assert "xyz789" not in output
    assert "/v1/callback?code=***&state=***" in output


def test_exception_tracebacks_are_masked(logs: pytest.CaptureFixture[str]) -> None:
    try:
        raise RuntimeError(f"failed with refresh_token={JWT}")
    except RuntimeError:
        get_logger("t").exception("boom")
    output = logs.readouterr().err
    assert JWT not in output
    assert "RuntimeError" in output


def test_redact_keeps_ordinary_values() -> None:
    assert redact({"workspace_id": "ws-1", "count": 3, "code": "abc"}) == {
        "workspace_id": "ws-1",
        "count": 3,
        "code": "***",
    }


def test_authorize_url_in_a_log_line_has_its_state_and_nonce_masked() -> None:
    line = (
        "GET /identity/connect/authorize?response_type=code&state=abcdefgh12345678"
        "&code_challenge=challenge123&nonce=noncevalue987 HTTP/1.1"
    )
    masked = redact_text(line)
    assert "abcdefgh12345678" not in masked
    assert "noncevalue987" not in masked
    assert "nonce=***" in masked


def test_events_reach_the_standard_library_masked_without_configure_logging(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="xero_connector.embedded")

    get_logger("xero_connector.embedded").info(
        "exchanged", grant_id="g-1", refresh_token="rt-456", note=f"Bearer {API_KEY}"
    )

    [record] = caplog.records
    assert record.name == "xero_connector.embedded"
    assert isinstance(record.msg, dict)
    assert record.msg["event"] == "exchanged"
    assert record.msg["grant_id"] == "g-1"
    assert "rt-456" not in caplog.text
    assert API_KEY not in caplog.text


def test_every_module_logs_structlog_key_value_events() -> None:
    # One style: ``get_logger(__name__)`` and ``log.info("event_name", key=value)``; no
    # standard-library logger, no %-formatted message.
    source = Path(__file__).resolve().parents[1] / "src" / "xero_connector"
    offenders = []
    for path in sorted(source.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if path.name != "logs.py" and "logging.getLogger(" in text:
            offenders.append(f"{path.name}: a standard-library logger")
        if re.search(r"\blog\.\w+\(\s*\"[^\"]*%[sdfr]", text):
            offenders.append(f"{path.name}: a %-formatted message")

    assert offenders == []
    assert not (source / "logging.py").exists()  # it would shadow the standard module
