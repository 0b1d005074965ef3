"""A pending authorization's secrets: the state's hash, and the sealed PKCE verifier and nonce.

The state itself is never stored: only its sha256, so a database reader cannot complete someone
else's callback. The verifier and nonce are sealed by the vault with the state row's id in the
associated data (table ``oauth_states``, column ``secret_ciphertext``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from xero_connector.db.models import OAuthState
from xero_connector.vault import DecryptionError, Envelope, Vault

TABLE = "oauth_states"
COLUMN = "secret_ciphertext"


def hash_state(state: str) -> str:
    """The sha256 (hex) under which a state is stored and looked up."""
    return hashlib.sha256(state.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PendingSecret:
    """What the callback needs back: the PKCE verifier and the nonce. Never shown in a repr."""

    code_verifier: str = field(repr=False)
    nonce: str = field(repr=False)


def seal_pending(vault: Vault, state_id: str, secret: PendingSecret) -> Envelope:
    plaintext = json.dumps({"code_verifier": secret.code_verifier, "nonce": secret.nonce})
    return vault.seal(plaintext.encode(), table=TABLE, row_id=state_id, column=COLUMN)


def open_pending(vault: Vault, state: OAuthState) -> PendingSecret:
    """Decrypt a state's verifier and nonce (DecryptionError if altered, moved or used up)."""
    if state.secret_ciphertext is None or state.data_key_wrapped is None or state.kek_id is None:
        raise DecryptionError(f"the secret of {TABLE} row {state.id} is gone (state used)")
    envelope = Envelope(state.secret_ciphertext, state.data_key_wrapped, state.kek_id)
    data = json.loads(vault.open(envelope, table=TABLE, row_id=state.id, column=COLUMN))
    if not isinstance(data, dict):
        raise DecryptionError(f"secret of {TABLE} row {state.id} is not an object")
    return PendingSecret(code_verifier=str(data["code_verifier"]), nonce=str(data["nonce"]))
