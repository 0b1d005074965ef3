"""The local key provider: key-encryption keys from ``XERO_CONNECTOR_KEYS``.

The setting is ``kid:key[,kid:key...]``; a kid is ``[A-Za-z0-9_-]{1,32}``, a key is 32 random bytes
in base64url without padding (43 characters). The first entry is the active key: new data keys are
wrapped under it; the others only unwrap, until ``keys rotate`` has moved every row off them.

Wrapped data key format (version 1)::

    0x01 | nonce (12 bytes) | AES-256-GCM(kek, data key) with its 16-byte tag

The version byte lets the format change without guessing; it is also authenticated, because it
is part of the associated data.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import NoReturn

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from xero_connector.errors import ConfigurationError, is_placeholder
from xero_connector.vault.errors import DecryptionError, UnknownKeyError
from xero_connector.vault.provider import KeyProvider

SETTING = "XERO_CONNECTOR_KEYS"
KEY_BYTES = 32
NONCE_BYTES = 12
WRAP_VERSION = 1
_KID = re.compile(r"[A-Za-z0-9_-]{1,32}")
_KEY_TEXT = re.compile(r"[A-Za-z0-9_-]{43}")
# A random 32-byte key has about 30 distinct byte values; fewer than 16 means someone typed it.
_MIN_DISTINCT_BYTES = 16


def _bad(message: str) -> ConfigurationError:
    return ConfigurationError(f"{SETTING}: {message}")


def encode_key(key: bytes) -> str:
    """32 bytes as base64url without padding."""
    return base64.urlsafe_b64encode(key).rstrip(b"=").decode("ascii")


def _decode_key(text: str, position: int) -> bytes:
    # Errors name the entry's position only: the text itself may be key material.
    if not _KEY_TEXT.fullmatch(text):
        raise _bad(
            f"the key of entry {position} must be {KEY_BYTES} bytes in base64url without "
            f"padding (43 characters of A-Z a-z 0-9 - _)"
        )
    try:
        key = base64.urlsafe_b64decode(text + "=")
    except (binascii.Error, ValueError):
        raise _bad(f"the key of entry {position} is not valid base64url") from None
    if len(key) != KEY_BYTES or encode_key(key) != text:
        raise _bad(f"the key of entry {position} is not a canonical {KEY_BYTES}-byte key")
    if len(set(key)) < _MIN_DISTINCT_BYTES:
        raise _bad(f"the key of entry {position} looks like a placeholder, not a random key")
    return key


class LocalKeyring(KeyProvider):
    """Key-encryption keys held in process memory; implements :class:`KeyProvider`.

    The repr shows key ids only. Keys live in a private mapping and are never formatted.
    """

    __slots__ = ("_active", "_aeads")

    def __init__(self, entries: Iterable[tuple[str, bytes]]) -> None:
        aeads: dict[str, AESGCM] = {}
        for position, (kid, key) in enumerate(entries, start=1):
            if not _KID.fullmatch(kid):
                raise _bad(f"the key id of entry {position} must match [A-Za-z0-9_-]{{1,32}}")
            if kid in aeads:
                raise _bad(f"key id {kid!r} appears more than once")
            if len(key) != KEY_BYTES:
                raise _bad(f"the key of entry {position} must be {KEY_BYTES} bytes")
            aeads[kid] = AESGCM(key)
        if not aeads:
            raise _bad("no keys given")
        self._aeads = aeads
        self._active = next(iter(aeads))

    @classmethod
    def from_setting(cls, value: str) -> LocalKeyring:
        """Parse ``kid:key,kid:key``; the first entry is active.

        Raises :class:`ConfigurationError` naming ``XERO_CONNECTOR_KEYS``; the message never
        contains any part of the value except well-formed key ids.
        """
        if is_placeholder(value):
            raise _bad("missing or a placeholder; create a key with `xero-connector keys generate`")
        entries: list[tuple[str, bytes]] = []
        for position, raw in enumerate(value.split(","), start=1):
            entry = raw.strip()
            kid, sep, key_text = entry.partition(":")
            if not sep:
                raise _bad(f"entry {position} is not of the form kid:key")
            kid = kid.strip()
            if not _KID.fullmatch(kid):
                raise _bad(f"the key id of entry {position} must match [A-Za-z0-9_-]{{1,32}}")
            entries.append((kid, _decode_key(key_text.strip(), position)))
        return cls(entries)

    @property
    def active_kek_id(self) -> str:
        return self._active

    @property
    def kek_ids(self) -> tuple[str, ...]:
        """Every key id, the active one first."""
        return tuple(self._aeads)

    def __contains__(self, kek_id: object) -> bool:
        return kek_id in self._aeads

    def wrap(self, data_key: bytes, *, associated_data: bytes) -> tuple[str, bytes]:
        """Wrap under the active key with a fresh random nonce."""
        if len(data_key) != KEY_BYTES:
            raise ValueError(f"a data key must be {KEY_BYTES} bytes")
        nonce = os.urandom(NONCE_BYTES)
        header = bytes([WRAP_VERSION])
        body = self._aeads[self._active].encrypt(nonce, data_key, header + associated_data)
        return self._active, header + nonce + body

    def unwrap(self, kek_id: str, wrapped: bytes, *, associated_data: bytes) -> bytes:
        aead = self._aeads.get(kek_id)
        if aead is None:
            raise UnknownKeyError(kek_id)
        if len(wrapped) < 1 + NONCE_BYTES + 16 or wrapped[0] != WRAP_VERSION:
            raise DecryptionError(
                f"wrapped data key under {kek_id!r} has an unknown format or is truncated"
            )
        nonce, body = wrapped[1 : 1 + NONCE_BYTES], wrapped[1 + NONCE_BYTES :]
        try:
            data_key = aead.decrypt(nonce, body, wrapped[:1] + associated_data)
        except InvalidTag:
            raise DecryptionError(
                f"wrapped data key under {kek_id!r} does not authenticate: it was altered, "
                "belongs to another row, or was wrapped by another key"
            ) from None
        if len(data_key) != KEY_BYTES:
            raise DecryptionError(f"wrapped data key under {kek_id!r} has the wrong length")
        return data_key

    def __repr__(self) -> str:
        return f"LocalKeyring(active={self._active!r}, kek_ids={list(self._aeads)!r})"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        # Pickling would copy key material into wherever the pickle goes (a queue, a cache).
        raise TypeError("LocalKeyring cannot be pickled")


def default_kid(now: datetime | None = None) -> str:
    """A short, sortable, unique-enough key id: ``YYYYMMDD-xxxx``."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%d}-{secrets.token_hex(2)}"


def generate_key_entry(kid: str | None = None) -> str:
    """A whole new ``kid:key`` entry with a fresh random 32-byte key.

    Raises ``ValueError`` for a kid outside ``[A-Za-z0-9_-]{1,32}``.
    """
    kid = default_kid() if kid is None else kid
    if not _KID.fullmatch(kid):
        raise ValueError("a key id must match [A-Za-z0-9_-]{1,32}")
    while True:
        key = secrets.token_bytes(KEY_BYTES)
        if len(set(key)) >= _MIN_DISTINCT_BYTES:  # practically always on the first try
            return f"{kid}:{encode_key(key)}"
