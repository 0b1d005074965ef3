"""Parsing XERO_CONNECTOR_KEYS, generating entries, and keeping key material out of reprs."""

from __future__ import annotations

import base64

import pytest

from tests.vault.vault_helpers import KEY_A, KEY_B
from xero_connector.errors import ConfigurationError
from xero_connector.settings import Settings
from xero_connector.vault import LocalKeyring, Vault, generate_key_entry

KEY_A_TEXT = KEY_A.split(":")[1]


def test_the_first_entry_is_active_and_every_kid_is_known() -> None:
    keyring = LocalKeyring.from_setting(f"{KEY_B},{KEY_A}")

    assert keyring.active_kek_id == "b"
    assert keyring.kek_ids == ("b", "a")
    assert "a" in keyring


def test_whitespace_around_entries_is_ignored() -> None:
    keyring = LocalKeyring.from_setting(f" {KEY_B} ,\n{KEY_A} ")

    assert keyring.kek_ids == ("b", "a")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "changeme",
        "<your keyring>",
        "main:changeme",
        "a:" + base64.urlsafe_b64encode(bytes(range(16))).decode().rstrip("="),  # 16 bytes
        "a:" + base64.urlsafe_b64encode(bytes(range(33))).decode().rstrip("="),  # 33 bytes
        "a:" + "A" * 43,  # 32 zero bytes: a typed placeholder, not a key
        "a:" + base64.b64encode(bytes(range(32))).decode(),  # standard base64, padded
        "a:" + KEY_A_TEXT[:-1] + "B",  # non-canonical last character
        f"bad kid:{KEY_A_TEXT}",
        f"{'k' * 33}:{KEY_A_TEXT}",
        f":{KEY_A_TEXT}",
        KEY_A_TEXT,  # the kid was forgotten
        f"{KEY_A},{KEY_A}",  # duplicate kid
        f"{KEY_A},",
    ],
)
def test_unusable_keyrings_are_rejected_naming_the_variable(value: str) -> None:
    with pytest.raises(ConfigurationError, match=r"^XERO_CONNECTOR_KEYS") as caught:
        LocalKeyring.from_setting(value)

    assert KEY_A_TEXT not in str(caught.value)
    assert KEY_A_TEXT[:20] not in str(caught.value)


def test_a_wrong_length_error_says_what_is_expected_without_echoing_the_key() -> None:
    short = base64.urlsafe_b64encode(b"k" * 8 + bytes(range(16))).decode().rstrip("=")

    with pytest.raises(ConfigurationError) as caught:
        LocalKeyring.from_setting(f"{KEY_B},old:{short}")

    message = str(caught.value)
    assert "entry 2" in message
    assert "32 bytes" in message
    assert short not in message


def test_keyring_and_vault_reprs_show_key_ids_only() -> None:
    keyring = LocalKeyring.from_setting(f"{KEY_A},{KEY_B}")

    for text in (repr(keyring), str(keyring), repr(Vault(keyring))):
        assert "'a'" in text
        assert "'b'" in text
        assert KEY_A_TEXT not in text
        assert KEY_B.split(":")[1] not in text


def test_a_keyring_cannot_be_pickled() -> None:
    import pickle

    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(LocalKeyring.from_setting(KEY_A))


def test_a_generated_entry_parses_as_a_keyring() -> None:
    entry = generate_key_entry()

    keyring = LocalKeyring.from_setting(entry)
    assert keyring.active_kek_id == entry.split(":")[0]


def test_generated_entries_differ() -> None:
    assert generate_key_entry("k").split(":")[1] != generate_key_entry("k").split(":")[1]


def test_generate_uses_the_given_kid() -> None:
    assert generate_key_entry("prod-2026_01").startswith("prod-2026_01:")


def test_generate_refuses_a_bad_kid() -> None:
    with pytest.raises(ValueError, match="key id"):
        generate_key_entry("no spaces")


def _scale_out(keys: str) -> Settings:
    return Settings(
        redis_url="redis://127.0.0.1:6379/0",
        keys=keys,
        xero_client_id="client",
        xero_client_secret="a-real-looking-client-secret",
        database_url="postgresql+asyncpg://db/xc",
    )


def test_scale_out_check_accepts_a_valid_keyring() -> None:
    _scale_out(f"{KEY_A},{KEY_B}").check_for_scale_out()


@pytest.mark.parametrize(
    "keys", ["changeme", "main:short", f"a:{KEY_A_TEXT}x", "a b:" + KEY_A_TEXT]
)
def test_scale_out_check_rejects_a_bad_keyring_naming_the_variable(keys: str) -> None:
    with pytest.raises(ConfigurationError, match="XERO_CONNECTOR_KEYS") as caught:
        _scale_out(keys).check_for_scale_out()

    assert KEY_A_TEXT not in str(caught.value)
