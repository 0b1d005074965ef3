"""The vault: envelope encryption of stored secrets, and key rotation.

Each secret (a grant's token set, a pending state's PKCE verifier and nonce) is encrypted with
AES-256-GCM under its own random data key; the data key is wrapped by a key-encryption key (KEK)
from a :class:`KeyProvider`. Associated data binds a ciphertext to its table, row and column and a
wrapped data key to its row and KEK id. See docs/vault.md.
"""

from xero_connector.vault.dev import dev_keyring_path, load_or_create_dev_keyring
from xero_connector.vault.envelope import Envelope, Vault
from xero_connector.vault.errors import DecryptionError, UnknownKeyError, VaultError
from xero_connector.vault.keyring import LocalKeyring, generate_key_entry
from xero_connector.vault.provider import KeyProvider
from xero_connector.vault.rotation import (
    RotationFailure,
    RotationReport,
    TableCounts,
    key_status,
    rotate_keys,
)

__all__ = [
    "DecryptionError",
    "Envelope",
    "KeyProvider",
    "LocalKeyring",
    "RotationFailure",
    "RotationReport",
    "TableCounts",
    "UnknownKeyError",
    "Vault",
    "VaultError",
    "dev_keyring_path",
    "generate_key_entry",
    "key_status",
    "load_or_create_dev_keyring",
    "rotate_keys",
]
