"""Dev mode's keyring: generated once, kept in a file beside the SQLite database.

Without it every ``dev`` restart would invent a new key and could no longer open the tokens it
stored before. The file holds the same ``kid:key`` value as ``XERO_CONNECTOR_KEYS`` and is
readable by its owner only (0600).
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import make_url

from xero_connector.errors import ConfigurationError
from xero_connector.vault.keyring import LocalKeyring, generate_key_entry

_OWNER_ONLY = 0o600


def dev_keyring_path(database_url: str) -> Path:
    """``<database file without suffix>.keyring`` for a SQLite file URL.

    Raises ``ValueError`` for another database or an in-memory SQLite (nowhere to keep it).
    """
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        raise ValueError("a dev keyring file needs a SQLite database file")
    return Path(url.database).with_suffix(".keyring")


def load_or_create_dev_keyring(path: Path) -> str:
    """Return the keyring kept at ``path``, creating it (mode 0600) on first use.

    Creation is atomic and never overwrites: the value is written to a private temporary file
    and hard-linked into place, so a concurrent starter or a crash leaves either no file or a
    complete one.
    """
    value = load_or_create_private_file(path, generate_key_entry)
    try:
        LocalKeyring.from_setting(value)
    except ConfigurationError:
        raise ConfigurationError(
            f"the dev keyring file {path} is not a valid XERO_CONNECTOR_KEYS value; "
            "restore it, or delete it together with the dev database"
        ) from None
    return value


def load_or_create_private_file(path: Path, generate: Callable[[], str]) -> str:
    """The ASCII value kept at ``path`` (owner-only), written from ``generate()`` on first use."""
    if not path.exists():
        _create(path, generate())
    if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) & 0o077:
        # A copy or an old umask widened it; the file is key material.
        path.chmod(_OWNER_ONLY)
    return path.read_text(encoding="ascii").strip()


def _create(path: Path, value: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _OWNER_ONLY)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(value + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # someone else created it first: use theirs
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
