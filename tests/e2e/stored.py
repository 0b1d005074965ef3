"""What a ``dev`` run stored, read back from its folder as the tests' ground truth."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from xero_connector.db.models import XeroGrant
from xero_connector.tokens.sealing import open_tokens
from xero_connector.vault import LocalKeyring, Vault


def stored_token_sets(directory: Path) -> list[tuple[str, str, str | None]]:
    """Every live grant's (access, refresh, id token), opened with the keyring beside the DB."""
    keyring = (directory / "xero-connector.keyring").read_text().strip()
    vault = Vault(LocalKeyring.from_setting(keyring))
    with sqlite3.connect(directory / "xero-connector.db") as db:
        rows = db.execute(
            "SELECT id, token_ciphertext, data_key_wrapped, kek_id FROM xero_grants "
            "WHERE token_ciphertext IS NOT NULL"
        ).fetchall()
    found = []
    for grant_id, ciphertext, data_key, kek_id in rows:
        grant = XeroGrant(
            id=grant_id, token_ciphertext=ciphertext, data_key_wrapped=data_key, kek_id=kek_id
        )
        tokens = open_tokens(vault, grant)
        found.append((tokens.access_token, tokens.refresh_token, tokens.id_token))
    return found
