"""Sealing a grant's token set with the vault (table ``xero_grants``, column ``token_ciphertext``).

Stand-in until the token layer's ``tokens.sealing`` lands on this branch; same binding (row id =
grant id), so the two are interchangeable.
"""

from __future__ import annotations

from xero_connector.db.models import XeroGrant
from xero_connector.tokens.tokenset import TokenSet
from xero_connector.vault import DecryptionError, Envelope, Vault

TABLE = "xero_grants"
COLUMN = "token_ciphertext"


def seal_into_grant(vault: Vault, grant: XeroGrant, tokens: TokenSet) -> None:
    """Encrypt ``tokens`` into ``grant``'s columns (the grant's id must be set)."""
    envelope = vault.seal(tokens.to_bytes(), table=TABLE, row_id=grant.id, column=COLUMN)
    grant.token_ciphertext = envelope.ciphertext
    grant.data_key_wrapped = envelope.data_key_wrapped
    grant.kek_id = envelope.kek_id
    grant.access_expires_at = tokens.expires_at


def open_grant(vault: Vault, grant: XeroGrant) -> TokenSet:
    """Decrypt a grant's token set; DecryptionError when it was shredded, altered or moved."""
    if grant.token_ciphertext is None or grant.data_key_wrapped is None or grant.kek_id is None:
        raise DecryptionError(f"grant {grant.id} holds no tokens (shredded)")
    envelope = Envelope(grant.token_ciphertext, grant.data_key_wrapped, grant.kek_id)
    return TokenSet.from_bytes(vault.open(envelope, table=TABLE, row_id=grant.id, column=COLUMN))
