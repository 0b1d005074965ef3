"""``xero-connector keys generate | rotate | status``, run as a real subprocess."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from tests.vault.vault_helpers import KEY_A, KEY_B, sealed_grant, vault_for
from xero_connector.db.engine import make_engine, make_session_factory
from xero_connector.db.migrate import upgrade
from xero_connector.vault import LocalKeyring, key_status

SRC = Path(__file__).resolve().parents[2] / "src"


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("XERO_CONNECTOR_")} | {
        "PYTHONPATH": str(SRC),
        **env,
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "xero_connector", "keys", *args],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
        timeout=60,
    )


async def test_generate_prints_one_entry_that_parses_as_a_keyring() -> None:
    result = await asyncio.to_thread(run_cli, "generate")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert LocalKeyring.from_setting(lines[0]).kek_ids == (lines[0].split(":")[0],)


async def test_generate_takes_a_kid() -> None:
    result = await asyncio.to_thread(run_cli, "generate", "--kid", "prod-2")

    assert result.stdout.startswith("prod-2:")
    assert LocalKeyring.from_setting(result.stdout.strip()).active_kek_id == "prod-2"


async def test_rotate_then_status_says_the_old_key_can_go(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    await upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    async with factory() as session, session.begin():
        session.add_all(sealed_grant(vault_for(KEY_A), n) for n in range(3))
    env = {"XERO_CONNECTOR_DATABASE_URL": url, "XERO_CONNECTOR_KEYS": f"{KEY_B},{KEY_A}"}

    before = await asyncio.to_thread(run_cli, "status", **env)
    rotated = await asyncio.to_thread(run_cli, "rotate", "--batch-size", "2", **env)
    after = await asyncio.to_thread(run_cli, "status", **env)

    assert "key a: still in use" in before.stdout
    assert rotated.returncode == 0, rotated.stderr
    assert "xero_grants: 2 re-wrapped" in rotated.stdout  # progress after the first batch
    assert "xero_grants: 3 re-wrapped, 0 changed meanwhile (left alone), 0 failed" in rotated.stdout
    assert "key a: unused: can be removed" in after.stdout
    assert await key_status(factory) == {"xero_grants": {"b": 3}, "oauth_states": {}}
    await engine.dispose()
    for output in (before, rotated, after):
        for key in (KEY_A, KEY_B):
            assert key.split(":")[1] not in output.stdout + output.stderr


async def test_rotate_refuses_a_placeholder_keyring_naming_the_variable(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"

    result = await asyncio.to_thread(
        run_cli, "rotate", XERO_CONNECTOR_DATABASE_URL=url, XERO_CONNECTOR_KEYS="changeme"
    )

    assert result.returncode == 2
    assert "XERO_CONNECTOR_KEYS" in result.stderr


async def _dev_database(directory: Path) -> tuple[str, str]:
    """A database as ``dev`` leaves it: SQLite, its keyring file beside it, rows sealed under it."""
    url = f"sqlite+aiosqlite:///{directory / 'xero-connector.db'}"
    await upgrade(url)
    (directory / "xero-connector.keyring").write_text(KEY_A + "\n")
    (directory / "xero-connector.keyring").chmod(0o600)
    engine = make_engine(url)
    async with make_session_factory(engine)() as session, session.begin():
        session.add_all(sealed_grant(vault_for(KEY_A), n) for n in range(2))
    await engine.dispose()
    return url, "a"


async def test_status_in_dev_reads_the_dev_keyring_file(tmp_path: Path) -> None:
    url, kid = await _dev_database(tmp_path)

    result = await asyncio.to_thread(run_cli, "status", XERO_CONNECTOR_DATABASE_URL=url)

    assert result.returncode == 0, result.stderr
    assert f"xero_grants\t{kid}\t2" in result.stdout
    assert f"active key: {kid}" in result.stdout
    assert "xero-connector.keyring" in result.stderr
    assert KEY_A.split(":")[1] not in result.stdout + result.stderr


async def test_rotate_refuses_a_dev_database_and_says_why(tmp_path: Path) -> None:
    url, kid = await _dev_database(tmp_path)

    result = await asyncio.to_thread(
        run_cli, "rotate", XERO_CONNECTOR_DATABASE_URL=url, XERO_CONNECTOR_KEYS=f"{KEY_B},{KEY_A}"
    )

    assert result.returncode == 2
    [error] = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert "dev database" in error
    assert "xero-connector.keyring" in error
    assert "running dev" in error
    engine = make_engine(url)
    assert await key_status(make_session_factory(engine)) == {
        "xero_grants": {kid: 2},
        "oauth_states": {},
    }
    await engine.dispose()
