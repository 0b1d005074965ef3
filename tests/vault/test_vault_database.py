"""Envelopes stored in the real tables (Postgres, rolled back): round trip and swapped rows."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tests.vault.vault_helpers import grant_envelope, sealed_grant, sealed_state, token_set
from xero_connector.db.models import OAuthState, XeroGrant
from xero_connector.vault import DecryptionError, Envelope, Vault


async def reload(session: AsyncSession, grant_id: str) -> XeroGrant:
    session.expunge_all()
    return (await session.execute(select(XeroGrant).where(XeroGrant.id == grant_id))).scalar_one()


async def test_a_grant_token_set_survives_the_database(
    session: AsyncSession, vault_a: Vault
) -> None:
    session.add(sealed_grant(vault_a, 1))
    await session.flush()

    grant = await reload(session, "grant-0001")

    opened = vault_a.open(
        grant_envelope(grant), table="xero_grants", row_id=grant.id, column="token_ciphertext"
    )
    assert opened == token_set(1)


async def test_an_oauth_state_secret_survives_the_database(
    session: AsyncSession, vault_a: Vault
) -> None:
    session.add(sealed_state(vault_a, 1))
    await session.flush()
    session.expunge_all()

    state = (await session.execute(select(OAuthState))).scalar_one()
    assert state.secret_ciphertext is not None
    assert state.data_key_wrapped is not None
    assert state.kek_id is not None

    envelope = Envelope(state.secret_ciphertext, state.data_key_wrapped, state.kek_id)
    opened = vault_a.open(
        envelope, table="oauth_states", row_id=state.id, column="secret_ciphertext"
    )
    assert b"code_verifier" in opened


async def test_ciphertext_swapped_between_two_stored_grants_is_refused(
    session: AsyncSession, vault_a: Vault
) -> None:
    one, two = sealed_grant(vault_a, 1), sealed_grant(vault_a, 2)
    session.add_all([one, two])
    await session.flush()
    # An attacker with write access to the table copies grant 1's tokens into grant 2.
    await session.execute(
        update(XeroGrant)
        .where(XeroGrant.id == two.id)
        .values(
            token_ciphertext=one.token_ciphertext,
            data_key_wrapped=one.data_key_wrapped,
            kek_id=one.kek_id,
        )
    )

    victim = await reload(session, "grant-0002")

    with pytest.raises(DecryptionError):
        vault_a.open(
            grant_envelope(victim), table="xero_grants", row_id=victim.id, column="token_ciphertext"
        )


async def test_a_grant_ciphertext_pasted_into_an_oauth_state_is_refused(
    session: AsyncSession, vault_a: Vault
) -> None:
    grant = sealed_grant(vault_a, 1)

    with pytest.raises(DecryptionError):
        vault_a.open(
            grant_envelope(grant), table="oauth_states", row_id=grant.id, column="secret_ciphertext"
        )
