"""The key-provider protocol: what the vault needs from whatever holds key-encryption keys."""

from __future__ import annotations

from typing import Protocol


class KeyProvider(Protocol):
    """Wraps and unwraps data keys with key-encryption keys (KEKs) it never hands out.

    The local keyring implements this from settings; a cloud KMS (AWS KMS ``Encrypt``/``Decrypt``
    with an encryption context, GCP KMS with additional authenticated data) can implement it too.

    Invariants an implementation must keep:
    - ``wrap`` uses the key named by ``active_kek_id`` and returns that id with the wrapped key.
    - ``associated_data`` is authenticated: ``unwrap`` with any other associated data, another key
      id or an altered ``wrapped`` raises :class:`~xero_connector.vault.DecryptionError`; it never
      returns a wrong key.
    - ``unwrap`` of a key id it does not hold raises :class:`~xero_connector.vault.UnknownKeyError`.
    - Key material never appears in a repr, an exception or a log line.
    """

    @property
    def active_kek_id(self) -> str:
        """The id of the key that ``wrap`` uses."""
        ...

    def wrap(self, data_key: bytes, *, associated_data: bytes) -> tuple[str, bytes]:
        """Wrap ``data_key`` under the active key; return ``(kek_id, wrapped)``."""
        ...

    def unwrap(self, kek_id: str, wrapped: bytes, *, associated_data: bytes) -> bytes:
        """Return the data key wrapped by ``kek_id``, or raise if it does not authenticate."""
        ...
