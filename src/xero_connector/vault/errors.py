"""The vault's errors. Messages name tables, columns, row ids and key ids, which are not secret;
they never contain key material, data keys or plaintext.

    VaultError          base (an AppError: renders as a 500 without detail worth hiding)
    ├── DecryptionError refused: altered or swapped ciphertext or wrapped key, unknown format
    └── UnknownKeyError the key-encryption key named by a row is not in the keyring
"""

from __future__ import annotations

from xero_connector.errors import AppError


class VaultError(AppError):
    """Something in the vault went wrong; nothing was decrypted."""

    code, title = "vault_error", "Encrypted data is unavailable"


class DecryptionError(VaultError):
    """A ciphertext or wrapped data key failed authentication, or has an unknown format.

    AES-GCM authenticates before it returns anything, so this is raised instead of ever handing
    back wrong plaintext.
    """

    code = "vault_decryption_failed"


class UnknownKeyError(VaultError):
    """The key-encryption key id stored with a row is not in the keyring."""

    code = "vault_unknown_key"

    def __init__(self, kek_id: str) -> None:
        super().__init__(
            f"key-encryption key {kek_id!r} is not in the keyring (XERO_CONNECTOR_KEYS); "
            "keep it in the keyring until `xero-connector keys rotate` has re-wrapped "
            "every data key under the active key"
        )
        self.kek_id = kek_id
