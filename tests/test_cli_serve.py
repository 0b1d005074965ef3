"""``xero-connector dev`` and ``api`` as a user runs them."""

from __future__ import annotations

import socket
import stat
import subprocess
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from tests.cli_helpers import command_env, free_port, read_api_key, start, stop, wait_until_up
from tests.conftest import REDIS_URL
from xero_connector.cli import app
from xero_connector.vault import generate_key_entry


def _dev_args(port: int, sandbox_port: int | None = None) -> list[str]:
    sandbox = sandbox_port or free_port()
    return ["dev", "--port", str(port), "--sandbox-port", str(sandbox)]


def test_dev_starts_the_sandbox_on_its_own_port_and_points_xero_at_it(tmp_path: Path) -> None:
    port, sandbox_port = free_port(), free_port()
    process = start(_dev_args(port, sandbox_port), cwd=tmp_path, env=command_env())
    try:
        read_api_key(process)
        wait_until_up(f"http://127.0.0.1:{port}")
        sandbox = f"http://127.0.0.1:{sandbox_port}"
        discovery = httpx.get(f"{sandbox}/.well-known/openid-configuration").json()
        on_connector = httpx.get(f"http://127.0.0.1:{port}/_sandbox/state")
        connect_page = httpx.get(
            f"{sandbox}/identity/connect/authorize",
            params={
                "response_type": "code",
                "client_id": "xero-connector-dev",
                "redirect_uri": f"http://127.0.0.1:{port}/v1/callback",
                "scope": "openid offline_access",
                "state": "s",
            },
        )
    finally:
        stop(process)
    assert discovery["issuer"] == sandbox
    assert on_connector.status_code == 404  # the sandbox's inspection never rides on our API
    assert connect_page.status_code == 200
    assert "<form" in connect_page.text


def test_dev_starts_on_sqlite_with_auth_on_and_prints_a_usable_key(tmp_path: Path) -> None:
    port = free_port()
    process = start(_dev_args(port), cwd=tmp_path, env=command_env())
    try:
        key = read_api_key(process)
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base)
        assert httpx.get(f"{base}/readyz").status_code == 200
        assert httpx.get(f"{base}/v1/me").status_code == 401
        me = httpx.get(f"{base}/v1/me", headers={"Authorization": f"Bearer {key}"})
        assert me.status_code == 200
        assert me.json()["role"] == "service"
    finally:
        stderr = stop(process)
    assert key not in stderr
    assert (tmp_path / "xero-connector.db").is_file()
    keyring = tmp_path / "xero-connector.keyring"
    assert stat.S_IMODE(keyring.stat().st_mode) == 0o600
    assert keyring.read_text().strip() not in stderr


def test_dev_restart_keeps_the_keyring_and_replaces_the_key(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    first = start(_dev_args(port), cwd=tmp_path, env=command_env())
    try:
        old_key = read_api_key(first)
        wait_until_up(base)
    finally:
        stop(first)
    keyring = (tmp_path / "xero-connector.keyring").read_text()
    second = start(_dev_args(port), cwd=tmp_path, env=command_env())
    try:
        new_key = read_api_key(second)
        wait_until_up(base)
        old = httpx.get(f"{base}/v1/me", headers={"Authorization": f"Bearer {old_key}"})
        new = httpx.get(f"{base}/v1/me", headers={"Authorization": f"Bearer {new_key}"})
    finally:
        stop(second)
    assert new_key != old_key
    assert (old.status_code, new.status_code) == (401, 200)
    assert (tmp_path / "xero-connector.keyring").read_text() == keyring


def _refusal(process: subprocess.Popen[str]) -> str:
    """The one line a refused command printed (nothing else: no traceback, no log)."""
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2, stderr
    assert "Traceback" not in stderr
    [line] = [line for line in stderr.splitlines() if line.startswith("error:")]
    return line


def test_a_second_dev_on_taken_ports_refuses_in_one_line_and_leaves_the_running_key(
    tmp_path: Path,
) -> None:
    port, sandbox_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    running = start(_dev_args(port, sandbox_port), cwd=tmp_path, env=command_env())
    try:
        key = read_api_key(running)
        wait_until_up(base)
        same_port = _refusal(start(_dev_args(port), cwd=tmp_path, env=command_env()))
        same_sandbox = _refusal(
            start(_dev_args(free_port(), sandbox_port), cwd=tmp_path, env=command_env())
        )
        me = httpx.get(f"{base}/v1/me", headers={"Authorization": f"Bearer {key}"})
    finally:
        stop(running)
    assert me.status_code == 200
    assert f"127.0.0.1:{port} is in use" in same_port
    assert "--port" in same_port
    assert f"127.0.0.1:{sandbox_port} is in use" in same_sandbox
    assert "--sandbox-port" in same_sandbox


def test_dev_refuses_the_sandbox_on_its_own_port(tmp_path: Path) -> None:
    process = start(
        ["dev", "--port", "8123", "--sandbox-port", "8123"], cwd=tmp_path, env=command_env()
    )
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "--sandbox-port" in stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("XERO_CONNECTOR_KEYS", "changeme"),
        ("XERO_CONNECTOR_KEYS", "k1:not-a-32-byte-key"),
        ("XERO_CONNECTOR_JWT_SECRET", "shorter-than-32-bytes"),
    ],
)
def test_dev_refuses_an_unusable_secret_naming_the_variable_before_it_starts(
    tmp_path: Path, name: str, value: str
) -> None:
    process = start(_dev_args(free_port()), cwd=tmp_path, env=command_env(**{name: value}))
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 2
    assert name in stderr
    assert "Traceback" not in stderr
    assert "API key:" not in stdout
    assert value not in stderr


@pytest.fixture
def scale_out_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A complete, valid scale-out configuration, also set in this process's environment."""
    for name in list(command_env()):
        if name.startswith("XERO_CONNECTOR_"):
            monkeypatch.delenv(name, raising=False)
    values = {
        "XERO_CONNECTOR_DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:5432/unused",
        "XERO_CONNECTOR_REDIS_URL": REDIS_URL,
        "XERO_CONNECTOR_KEYS": generate_key_entry(),
        "XERO_CONNECTOR_XERO_CLIENT_ID": "client-id-for-tests",
        "XERO_CONNECTOR_XERO_CLIENT_SECRET": "a-real-looking-client-secret-value",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def test_api_on_a_taken_port_refuses_in_one_line(scale_out_env: dict[str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(app, ["api", "--port", str(port)])

    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"error: 127.0.0.1:{port} is in use (Address already in use); is another "
        "xero-connector running there? Stop it or pick another --port"
    ]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("XERO_CONNECTOR_REDIS_URL", None),
        ("XERO_CONNECTOR_KEYS", None),
        ("XERO_CONNECTOR_KEYS", "changeme"),
        ("XERO_CONNECTOR_KEYS", "k1:tooshort"),
        ("XERO_CONNECTOR_XERO_CLIENT_ID", None),
        ("XERO_CONNECTOR_XERO_CLIENT_SECRET", "changeme"),
        ("XERO_CONNECTOR_DATABASE_URL", "sqlite+aiosqlite:///./x.db"),
        ("XERO_CONNECTOR_DATABASE_URL", "changeme"),
        ("XERO_CONNECTOR_JWT_SECRET", "short"),
    ],
)
def test_api_refuses_to_start_naming_the_variable(
    scale_out_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str | None,
) -> None:
    if value is None:
        monkeypatch.delenv(variable)
    else:
        monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(app, ["api"])
    assert result.exit_code == 2
    assert variable in result.stderr
    if value and variable == "XERO_CONNECTOR_KEYS":
        assert value.split(":")[-1] not in result.stderr


def test_api_refuses_both_ways_of_verifying_dashboard_jwts_at_once(
    scale_out_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XERO_CONNECTOR_JWT_SECRET", "s" * 40)
    monkeypatch.setenv("XERO_CONNECTOR_JWT_JWKS_URL", "https://platform.example/jwks.json")
    result = CliRunner().invoke(app, ["api"])
    assert result.exit_code == 2
    assert "XERO_CONNECTOR_JWT_SECRET" in result.stderr
    assert "XERO_CONNECTOR_JWT_JWKS_URL" in result.stderr
    assert "s" * 40 not in result.stderr


def test_api_serves_readiness_on_postgres_and_redis(
    tmp_path: Path, scale_out_env: dict[str, str], pg_url: str
) -> None:
    port = free_port()
    env = command_env(**{**scale_out_env, "XERO_CONNECTOR_DATABASE_URL": pg_url})
    process = start(["api", "--port", str(port)], cwd=tmp_path, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base)
        ready = httpx.get(f"{base}/readyz")
        anonymous = httpx.get(f"{base}/v1/me")
    finally:
        stderr = stop(process)
    assert ready.status_code == 200, stderr
    assert ready.json()["checks"] == {"database": "ok", "redis": "ok"}
    assert anonymous.status_code == 401
    assert scale_out_env["XERO_CONNECTOR_XERO_CLIENT_SECRET"] not in stderr
