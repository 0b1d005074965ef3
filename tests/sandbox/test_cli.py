"""``xero-connector sandbox`` turns its flags into the served app (uvicorn is not started)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from typer.testing import CliRunner

from xero_connector.cli import app
from xero_connector.sandbox.app import Sandbox
from xero_connector.sandbox.gc_policy import PeriodicGcFreeze


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What the command hands to ``uvicorn.run`` (captured instead of serving)."""
    captured: dict[str, Any] = {}

    def fake_run(asgi: Any, **options: Any) -> None:
        captured["app"] = asgi
        captured.update(options)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    return captured


def _sandbox_of(asgi: Any) -> Sandbox:
    inner = asgi.app if isinstance(asgi, PeriodicGcFreeze) else asgi
    assert isinstance(inner, FastAPI)
    sandbox: Sandbox = inner.state.sandbox
    return sandbox


def test_token_fault_flags_reach_the_config(served: dict[str, Any]) -> None:
    args = ["sandbox", "--no-strict", "--fault-token-drop", "0.25", "--fault-token-5xx", "0.5"]
    result = CliRunner().invoke(app, [*args, "--port", "9"])
    assert result.exit_code == 0, result.output
    config = _sandbox_of(served["app"]).world.config
    assert (config.fault_token_drop, config.fault_token_5xx) == (0.25, 0.5)
    assert (config.fault_drop, config.fault_5xx) == (0.0, 0.0)
    assert served["port"] == 9


def test_the_command_freezes_the_gc_periodically_unless_told_not_to(
    served: dict[str, Any],
) -> None:
    assert CliRunner().invoke(app, ["sandbox", "--no-strict"]).exit_code == 0
    wrapper = served["app"]
    assert isinstance(wrapper, PeriodicGcFreeze)
    assert wrapper.interval == 0.2
    assert (
        CliRunner().invoke(app, ["sandbox", "--no-strict", "--gc-freeze-seconds", "0"]).exit_code
        == 0
    )
    assert isinstance(served["app"], FastAPI)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fault-token-drop", "1.5"], "--fault-token-drop must be between 0 and 1"),
        (["--fault-token-5xx", "-0.1"], "--fault-token-5xx must be between 0 and 1"),
        (["--fault-token-drop", "0.6", "--fault-token-5xx", "0.6"], "add up to at most 1"),
        (["--fault-5xx", "0.7", "--fault-hang", "0.7"], "add up to at most 1"),
    ],
)
def test_impossible_shares_are_refused(
    served: dict[str, Any], args: list[str], message: str
) -> None:
    result = CliRunner().invoke(app, ["sandbox", "--no-strict", *args])
    assert result.exit_code == 2
    assert message in " ".join(re.sub("[│╭╮╰╯─]", " ", result.output).split())
    assert "app" not in served


def test_flags_default_to_the_architecture_values(served: dict[str, Any]) -> None:
    result = CliRunner().invoke(app, ["sandbox"])
    assert result.exit_code == 0, result.output
    assert (served["host"], served["port"]) == ("127.0.0.1", 8001)
    world = _sandbox_of(served["app"]).world
    config = world.config
    assert config.clients == {"sandbox-client": "sandbox-secret"}
    assert (config.grace_seconds, config.time_scale, world.clock.time_scale) == (1800, 1, 1)
    assert (config.strict, config.auto_approve, config.seed) == (True, None, 0)
    assert (config.latency_ms, config.fault_5xx, config.fault_drop, config.fault_hang) == (0,) * 4
    assert (config.tenant_concurrency, config.tenant_per_minute) == (5, 60)
    assert (config.tenant_per_day, config.app_per_minute) == (5000, 10000)


def test_every_architecture_flag_reaches_the_config(served: dict[str, Any]) -> None:
    args = [
        "sandbox", "--host", "127.0.0.2", "--port", "9001",
        "--client", "a:one", "--client", "b:two:with:colons",
        "--grace-seconds", "0", "--time-scale", "60", "--no-strict", "--auto-approve", "bob",
        "--latency-ms", "5", "--fault-5xx", "0.1", "--fault-drop", "0.2", "--fault-hang", "0.3",
        "--seed", "7",
    ]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (served["host"], served["port"]) == ("127.0.0.2", 9001)
    world = _sandbox_of(served["app"]).world
    config = world.config
    assert config.clients == {"a": "one", "b": "two:with:colons"}
    assert (config.grace_seconds, config.time_scale, world.clock.time_scale) == (0, 60, 60)
    assert (config.strict, config.auto_approve, config.seed) == (False, "bob", 7)
    assert (config.latency_ms, config.fault_5xx, config.fault_drop, config.fault_hang) == (
        5,
        0.1,
        0.2,
        0.3,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--auto-approve", "mallory"], "no seeded user"),
        (["--client", "no-secret"], "expected ID:SECRET"),
        (["--time-scale", "0"], "--time-scale must be positive"),
    ],
)
def test_bad_flags_are_refused(served: dict[str, Any], args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["sandbox", "--no-strict", *args])
    assert result.exit_code == 2
    assert message in " ".join(re.sub("[│╭╮╰╯─]", " ", result.output).split())
    assert "app" not in served
