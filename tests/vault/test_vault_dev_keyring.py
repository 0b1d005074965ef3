"""Dev mode's keyring file: created once, reused, owner-only."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from xero_connector.errors import ConfigurationError
from xero_connector.vault import LocalKeyring, dev_keyring_path, load_or_create_dev_keyring


def test_the_file_is_created_once_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "xero-connector.keyring"

    first = load_or_create_dev_keyring(path)
    second = load_or_create_dev_keyring(path)

    assert first == second
    assert path.read_text().strip() == first
    assert LocalKeyring.from_setting(first).active_kek_id


def test_the_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "xero-connector.keyring"

    load_or_create_dev_keyring(path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_widened_file_is_narrowed_again(tmp_path: Path) -> None:
    path = tmp_path / "xero-connector.keyring"
    value = load_or_create_dev_keyring(path)
    path.chmod(0o644)

    assert load_or_create_dev_keyring(path) == value
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_no_temporary_file_is_left_behind(tmp_path: Path) -> None:
    load_or_create_dev_keyring(tmp_path / "dev.keyring")

    assert [p.name for p in tmp_path.iterdir()] == ["dev.keyring"]


def test_a_corrupt_file_is_refused_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "xero-connector.keyring"
    path.write_text("garbage")

    with pytest.raises(ConfigurationError, match="dev keyring file"):
        load_or_create_dev_keyring(path)
    assert path.read_text() == "garbage"


def test_the_file_sits_beside_the_sqlite_database() -> None:
    assert dev_keyring_path("sqlite+aiosqlite:///./data/xero-connector.db") == Path(
        "./data/xero-connector.keyring"
    )


@pytest.mark.parametrize(
    "url", ["sqlite+aiosqlite://", "sqlite+aiosqlite:///:memory:", "postgresql+asyncpg://h/db"]
)
def test_no_dev_keyring_path_without_a_sqlite_file(url: str) -> None:
    with pytest.raises(ValueError, match="SQLite database file"):
        dev_keyring_path(url)
