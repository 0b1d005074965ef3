"""Sealing and opening: what the vault refuses, and that it refuses rather than mis-decrypts."""

from __future__ import annotations

import dataclasses

import pytest

from tests.vault.vault_helpers import KEY_A, KEY_B, vault_for
from xero_connector.vault import DecryptionError, Envelope, UnknownKeyError, Vault

SECRET = b'{"refresh_token": "rt-very-secret"}'
WHERE = {"table": "xero_grants", "row_id": "grant-1", "column": "token_ciphertext"}


def test_seal_then_open_returns_the_plaintext(vault_a: Vault) -> None:
    envelope = vault_a.seal(SECRET, **WHERE)

    assert envelope.kek_id == "a"
    assert SECRET not in envelope.ciphertext
    assert vault_a.open(envelope, **WHERE) == SECRET


def test_every_seal_uses_a_fresh_data_key_and_nonce(vault_a: Vault) -> None:
    first, second = vault_a.seal(SECRET, **WHERE), vault_a.seal(SECRET, **WHERE)

    assert first.ciphertext != second.ciphertext
    assert first.data_key_wrapped != second.data_key_wrapped


def test_ciphertext_swapped_between_two_grants_is_refused(vault_a: Vault) -> None:
    one = vault_a.seal(b"tokens of grant 1", **WHERE)
    two = vault_a.seal(b"tokens of grant 2", **{**WHERE, "row_id": "grant-2"})
    # The ciphertext moves to the other row; that row keeps its own data key.
    swapped = dataclasses.replace(two, ciphertext=one.ciphertext)

    with pytest.raises(DecryptionError, match="grant-2"):
        vault_a.open(swapped, **{**WHERE, "row_id": "grant-2"})


def test_whole_envelope_moved_to_another_grant_is_refused(vault_a: Vault) -> None:
    envelope = vault_a.seal(SECRET, **WHERE)

    with pytest.raises(DecryptionError):
        vault_a.open(envelope, **{**WHERE, "row_id": "grant-2"})


def test_ciphertext_swapped_between_columns_is_refused(vault_a: Vault) -> None:
    envelope = vault_a.seal(SECRET, **WHERE)

    with pytest.raises(DecryptionError, match="does not authenticate"):
        vault_a.open(envelope, **{**WHERE, "column": "other_ciphertext"})


def test_ciphertext_moved_to_another_table_is_refused(vault_a: Vault) -> None:
    envelope = vault_a.seal(SECRET, **WHERE)

    with pytest.raises(DecryptionError):
        vault_a.open(envelope, **{**WHERE, "table": "oauth_states"})


@pytest.mark.parametrize("position", [0, 1, 12, 13, 20, -1])
def test_a_tampered_ciphertext_byte_is_refused(vault_a: Vault, position: int) -> None:
    envelope = vault_a.seal(SECRET, **WHERE)
    altered = bytearray(envelope.ciphertext)
    altered[position] ^= 0x01

    with pytest.raises(DecryptionError):
        vault_a.open(dataclasses.replace(envelope, ciphertext=bytes(altered)), **WHERE)


@pytest.mark.parametrize("position", [0, 5, 20, -1])
def test_a_tampered_wrapped_key_byte_is_refused(vault_a: Vault, position: int) -> None:
    envelope = vault_a.seal(SECRET, **WHERE)
    altered = bytearray(envelope.data_key_wrapped)
    altered[position] ^= 0x80

    with pytest.raises(DecryptionError):
        vault_a.open(dataclasses.replace(envelope, data_key_wrapped=bytes(altered)), **WHERE)


def test_truncated_ciphertext_is_refused(vault_a: Vault) -> None:
    envelope = vault_a.seal(SECRET, **WHERE)

    with pytest.raises(DecryptionError, match="truncated"):
        vault_a.open(dataclasses.replace(envelope, ciphertext=envelope.ciphertext[:20]), **WHERE)


def test_kek_id_relabelled_to_another_known_key_is_refused() -> None:
    vault = vault_for(KEY_A, KEY_B)
    envelope = vault.seal(SECRET, **WHERE)

    with pytest.raises(DecryptionError):
        vault.open(dataclasses.replace(envelope, kek_id="b"), **WHERE)


def test_unknown_kek_id_is_refused_naming_the_key_and_the_setting(vault_a: Vault) -> None:
    envelope = vault_for(KEY_B).seal(SECRET, **WHERE)

    with pytest.raises(UnknownKeyError, match="'b' is not in the keyring") as caught:
        vault_a.open(envelope, **WHERE)
    assert "XERO_CONNECTOR_KEYS" in str(caught.value)
    assert caught.value.kek_id == "b"


def test_errors_never_contain_plaintext_or_key_material(vault_a: Vault) -> None:
    envelope = vault_a.seal(SECRET, **WHERE)
    messages = []
    for bad in (
        dataclasses.replace(envelope, ciphertext=envelope.ciphertext[:-1] + b"\x00"),
        dataclasses.replace(envelope, kek_id="b"),
    ):
        with pytest.raises(Exception) as caught:  # noqa: PT011 - checking every message
            vault_a.open(bad, **WHERE)
        messages.append(repr(caught.value) + str(caught.value))

    for message in messages:
        assert b"rt-very-secret".decode() not in message
        assert KEY_A.split(":")[1] not in message


def test_envelope_repr_shows_sizes_and_key_id_only(vault_a: Vault) -> None:
    envelope = vault_a.seal(SECRET, **WHERE)

    assert repr(envelope).startswith("Envelope(kek_id='a', ciphertext=<")
    assert repr(envelope.ciphertext) not in repr(envelope)


def test_empty_row_identity_is_a_programming_error(vault_a: Vault) -> None:
    with pytest.raises(ValueError, match="row_id"):
        vault_a.seal(SECRET, table="xero_grants", row_id="", column="token_ciphertext")


def test_rewrap_keeps_the_data_key_so_the_old_ciphertext_still_opens() -> None:
    envelope = vault_for(KEY_A).seal(SECRET, **WHERE)
    vault = vault_for(KEY_B, KEY_A)

    wrapped, kek_id = vault.rewrap(envelope.data_key_wrapped, envelope.kek_id, row_id="grant-1")

    assert kek_id == "b"
    moved = Envelope(envelope.ciphertext, wrapped, kek_id)
    assert vault_for(KEY_B).open(moved, **WHERE) == SECRET


def test_rewrap_for_another_row_is_refused() -> None:
    envelope = vault_for(KEY_A).seal(SECRET, **WHERE)

    with pytest.raises(DecryptionError):
        vault_for(KEY_B, KEY_A).rewrap(envelope.data_key_wrapped, "a", row_id="grant-2")


def test_rewrap_under_the_active_key_changes_nothing(vault_a: Vault) -> None:
    envelope = vault_a.seal(SECRET, **WHERE)

    assert vault_a.rewrap(envelope.data_key_wrapped, "a", row_id="grant-1") == (
        envelope.data_key_wrapped,
        "a",
    )
