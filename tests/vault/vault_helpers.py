"""Helpers for the vault tests: fixed test keys and sealed rows (imported as ``vault_helpers``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from xero_connector.db.models import OAuthState, XeroGrant
from xero_connector.vault import Envelope, LocalKeyring, Vault
from xero_connector.vault.keyring import encode_key

# Fixed, obviously-test keys: every import of this module sees the same values.
KEY_A = "a:" + encode_key(bytes(range(32)))
KEY_B = "b:" + encode_key(bytes(range(32, 64)))


def vault_for(*entries: str) -> Vault:
    return Vault(LocalKeyring.from_setting(",".join(entries)))


def token_set(n: int) -> bytes:
    return f'{{"access_token": "at-{n}", "refresh_token": "rt-{n}"}}'.encode()


def sealed_grant(vault: Vault, n: int) -> XeroGrant:
    grant = XeroGrant(id=f"grant-{n:04d}", workspace_id="ws-1")
    envelope = vault.seal(
        token_set(n), table="xero_grants", row_id=grant.id, column="token_ciphertext"
    )
    grant.token_ciphertext = envelope.ciphertext
    grant.data_key_wrapped = envelope.data_key_wrapped
    grant.kek_id = envelope.kek_id
    return grant


def sealed_state(vault: Vault, n: int) -> OAuthState:
    state = OAuthState(
        id=f"state-{n:04d}",
        state_hash=f"{n:064x}",
        workspace_id="ws-1",
        created_by="test",
        expires_at=datetime.now(UTC) + timedelta(minutes=10),
    )
    envelope = vault.seal(
        b'{"code_verifier": "v", "nonce": "n"}',
        table="oauth_states",
        row_id=state.id,
        column="secret_ciphertext",
    )
    state.secret_ciphertext = envelope.ciphertext
    state.data_key_wrapped = envelope.data_key_wrapped
    state.kek_id = envelope.kek_id
    return state


def grant_envelope(grant: XeroGrant) -> Envelope:
    assert grant.token_ciphertext is not None
    assert grant.data_key_wrapped is not None
    assert grant.kek_id is not None
    return Envelope(grant.token_ciphertext, grant.data_key_wrapped, grant.kek_id)


def state_envelope(state: OAuthState) -> Envelope:
    assert state.secret_ciphertext is not None
    assert state.data_key_wrapped is not None
    assert state.kek_id is not None
    return Envelope(state.secret_ciphertext, state.data_key_wrapped, state.kek_id)
