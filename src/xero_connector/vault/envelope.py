"""Envelope encryption: each secret under its own data key, the data key wrapped by a KEK.

Ciphertext format (version 1)::

    0x01 | nonce (12 bytes) | AES-256-GCM(data key, plaintext) with its 16-byte tag

Associated data (authenticated, not stored) binds every blob to where it lives:

- the ciphertext to ``(table, row id, column)``: a ciphertext copied to another row, column or
  table fails to decrypt instead of decrypting as that row's secret;
- the wrapped data key to ``(row id, kek id)``: the data key can be re-wrapped under a new KEK
  (``keys rotate``) without touching the ciphertext, and a wrapped key moved to another row or
  relabelled with another key id is refused.

Both include the format version and a purpose label, and are length-prefixed so that no two
different tuples encode to the same bytes (``("ab", "c")`` vs ``("a", "bc")``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from xero_connector.vault.errors import DecryptionError, VaultError
from xero_connector.vault.provider import KeyProvider

FORMAT_VERSION = 1
DATA_KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
_CIPHERTEXT_PURPOSE = b"xero-connector/ciphertext"
_DATA_KEY_PURPOSE = b"xero-connector/data-key"


def _frame(*parts: bytes) -> bytes:
    return b"".join(len(part).to_bytes(4, "big") + part for part in parts)


def _text(name: str, value: str) -> bytes:
    if not value:
        raise ValueError(f"{name} must not be empty")
    return value.encode("utf-8")


def ciphertext_aad(table: str, row_id: str, column: str, version: int = FORMAT_VERSION) -> bytes:
    """Associated data of a ciphertext: version, purpose, table, row id, column."""
    return _frame(
        bytes([version]),
        _CIPHERTEXT_PURPOSE,
        _text("table", table),
        _text("row_id", row_id),
        _text("column", column),
    )


def data_key_aad(row_id: str, kek_id: str) -> bytes:
    """Associated data of a wrapped data key: version, purpose, row id, KEK id."""
    return _frame(
        bytes([FORMAT_VERSION]),
        _DATA_KEY_PURPOSE,
        _text("row_id", row_id),
        _text("kek_id", kek_id),
    )


@dataclass(frozen=True)
class Envelope:
    """What a sealed secret stores: its ciphertext, its wrapped data key and the KEK's id.

    The three travel together into the row's ``*_ciphertext``, ``data_key_wrapped`` and
    ``kek_id`` columns. The repr shows sizes and the key id only.
    """

    ciphertext: bytes = field(repr=False)
    data_key_wrapped: bytes = field(repr=False)
    kek_id: str

    def __repr__(self) -> str:
        return (
            f"Envelope(kek_id={self.kek_id!r}, ciphertext=<{len(self.ciphertext)} bytes>, "
            f"data_key_wrapped=<{len(self.data_key_wrapped)} bytes>)"
        )


class Vault:
    """Seals and opens secrets for one row and column, and re-wraps data keys on rotation.

    Every ``seal`` draws a fresh random 256-bit data key and a random 96-bit nonce; since a data
    key encrypts exactly one message, nonces never repeat under a key.
    """

    def __init__(self, provider: KeyProvider) -> None:
        self._provider = provider

    @property
    def provider(self) -> KeyProvider:
        return self._provider

    @property
    def active_kek_id(self) -> str:
        return self._provider.active_kek_id

    def seal(self, plaintext: bytes, *, table: str, row_id: str, column: str) -> Envelope:
        """Encrypt ``plaintext`` for ``table.column`` of row ``row_id``."""
        aad = ciphertext_aad(table, row_id, column)
        data_key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(NONCE_BYTES)
        body = AESGCM(data_key).encrypt(nonce, plaintext, aad)
        kek_id, wrapped = self._wrap(data_key, row_id)
        return Envelope(bytes([FORMAT_VERSION]) + nonce + body, wrapped, kek_id)

    def open(self, envelope: Envelope, *, table: str, row_id: str, column: str) -> bytes:
        """Decrypt an envelope stored in ``table.column`` of row ``row_id``.

        Raises :class:`DecryptionError` if anything was altered or moved, and
        :class:`UnknownKeyError` if the envelope's KEK is not available.
        """
        where = f"{table}.{column} of row {row_id}"
        data_key = self._unwrap(envelope.data_key_wrapped, envelope.kek_id, row_id)
        blob = envelope.ciphertext
        if len(blob) < 1 + NONCE_BYTES + TAG_BYTES:
            raise DecryptionError(f"ciphertext in {where} is truncated")
        if blob[0] != FORMAT_VERSION:
            raise DecryptionError(f"ciphertext in {where} has unknown format version {blob[0]}")
        nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
        try:
            return AESGCM(data_key).decrypt(nonce, body, ciphertext_aad(table, row_id, column))
        except InvalidTag:
            raise DecryptionError(
                f"ciphertext in {where} does not authenticate: it was altered or belongs to "
                "another row or column"
            ) from None

    def rewrap(self, data_key_wrapped: bytes, kek_id: str, *, row_id: str) -> tuple[bytes, str]:
        """Re-wrap a row's data key under the active KEK; return ``(wrapped, active kek id)``.

        The ciphertext is not needed and not changed: its data key stays the same. A key that is
        already under the active KEK is checked and returned unchanged, so re-running is harmless.
        """
        data_key = self._unwrap(data_key_wrapped, kek_id, row_id)
        if kek_id == self._provider.active_kek_id:
            return data_key_wrapped, kek_id
        new_kek_id, wrapped = self._wrap(data_key, row_id)
        return wrapped, new_kek_id

    def _wrap(self, data_key: bytes, row_id: str) -> tuple[str, bytes]:
        expected = self._provider.active_kek_id
        kek_id, wrapped = self._provider.wrap(
            data_key, associated_data=data_key_aad(row_id, expected)
        )
        if kek_id != expected:
            # The AAD names the key we expected; a provider that switched keys in between (a KMS
            # alias moved) would store a wrapped key that never unwraps. Refuse instead.
            raise VaultError(
                f"key provider wrapped under {kek_id!r} instead of the active {expected!r}; retry"
            )
        return kek_id, wrapped

    def _unwrap(self, wrapped: bytes, kek_id: str, row_id: str) -> bytes:
        data_key = self._provider.unwrap(
            kek_id, wrapped, associated_data=data_key_aad(row_id, kek_id)
        )
        if len(data_key) != DATA_KEY_BYTES:
            raise DecryptionError(f"data key of row {row_id} has the wrong length")
        return data_key

    def __repr__(self) -> str:
        return f"Vault(provider={self._provider!r})"
