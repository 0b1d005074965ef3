"""``rotate_keys`` on Postgres and SQLite: old key removable afterwards, online, resumable."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.vault.vault_helpers import (
    KEY_A,
    KEY_B,
    grant_envelope,
    sealed_grant,
    sealed_state,
    state_envelope,
    token_set,
    vault_for,
)
from xero_connector.db.models import OAuthState, XeroGrant
from xero_connector.db.repos import envelopes
from xero_connector.vault import RotationReport, key_status, rotate_keys
from xero_connector.vault.keyring import encode_key

SessionFactory = async_sessionmaker[AsyncSession]
KEY_C = "c:" + encode_key(bytes(range(64, 96)))
GRANTS, STATES = 5, 3


async def seed(factory: SessionFactory, entries: tuple[str, ...] = (KEY_A,)) -> None:
    vault = vault_for(*entries)
    async with factory() as session, session.begin():
        session.add_all(sealed_grant(vault, n) for n in range(GRANTS))
        session.add_all(sealed_state(vault, n) for n in range(STATES))


async def load(factory: SessionFactory) -> tuple[list[XeroGrant], list[OAuthState]]:
    async with factory() as session:
        grants = (await session.execute(select(XeroGrant).order_by(XeroGrant.id))).scalars()
        states = (await session.execute(select(OAuthState).order_by(OAuthState.id))).scalars()
        return list(grants), list(states)


async def assert_all_open_with_b_alone(factory: SessionFactory) -> None:
    vault = vault_for(KEY_B)
    grants, states = await load(factory)
    for n, grant in enumerate(grants):
        assert grant.kek_id == "b"
        opened = vault.open(
            grant_envelope(grant), table="xero_grants", row_id=grant.id, column="token_ciphertext"
        )
        assert opened == token_set(n)
    for state in states:
        assert state.kek_id == "b"
        vault.open(
            state_envelope(state), table="oauth_states", row_id=state.id, column="secret_ciphertext"
        )


async def test_after_rotate_the_new_key_alone_opens_every_token(
    session_factory: SessionFactory,
) -> None:
    await seed(session_factory)

    report = await rotate_keys(session_factory, vault_for(KEY_B, KEY_A))

    assert report.active_kek_id == "b"
    assert (report.tables["xero_grants"].rewrapped, report.tables["oauth_states"].rewrapped) == (
        GRANTS,
        STATES,
    )
    assert report.complete
    await assert_all_open_with_b_alone(session_factory)


async def test_rotate_leaves_the_token_ciphertext_bytes_unchanged(
    session_factory: SessionFactory,
) -> None:
    await seed(session_factory)
    before_grants, before_states = await load(session_factory)

    await rotate_keys(session_factory, vault_for(KEY_B, KEY_A))

    after_grants, after_states = await load(session_factory)
    assert [g.token_ciphertext for g in after_grants] == [g.token_ciphertext for g in before_grants]
    assert [s.secret_ciphertext for s in after_states] == [
        s.secret_ciphertext for s in before_states
    ]
    assert all(
        a.data_key_wrapped != b.data_key_wrapped
        for a, b in zip(after_grants, before_grants, strict=True)
    )


class Interrupted(Exception):
    pass


def stop_after_first_batch(table: str, report: RotationReport) -> None:
    raise Interrupted


async def test_an_interrupted_rotation_resumes_where_it_stopped(
    session_factory: SessionFactory,
) -> None:
    await seed(session_factory)
    vault = vault_for(KEY_B, KEY_A)

    with pytest.raises(Interrupted):
        await rotate_keys(session_factory, vault, batch_size=2, on_batch=stop_after_first_batch)

    # The first batch was committed before the interruption; nothing else was touched.
    assert await key_status(session_factory) == {
        "xero_grants": {"a": GRANTS - 2, "b": 2},
        "oauth_states": {"a": STATES},
    }
    batches: list[str] = []
    report = await rotate_keys(
        session_factory, vault, batch_size=2, on_batch=lambda table, _: batches.append(table)
    )

    assert report.tables["xero_grants"].rewrapped == GRANTS - 2
    assert report.tables["oauth_states"].rewrapped == STATES
    assert batches == ["xero_grants", "xero_grants", "oauth_states", "oauth_states"]
    # Every data key is wrapped exactly once, under b: b alone unwraps it to the original key.
    await assert_all_open_with_b_alone(session_factory)


async def test_a_second_rotation_finds_nothing_to_do(session_factory: SessionFactory) -> None:
    await seed(session_factory)
    vault = vault_for(KEY_B, KEY_A)
    await rotate_keys(session_factory, vault)
    before, _ = await load(session_factory)

    report = await rotate_keys(session_factory, vault)

    assert (report.rewrapped, report.changed, report.failed) == (0, 0, 0)
    after, _ = await load(session_factory)
    assert [g.data_key_wrapped for g in after] == [g.data_key_wrapped for g in before]


async def test_shredded_grants_are_skipped_and_not_counted(session_factory: SessionFactory) -> None:
    await seed(session_factory)
    async with session_factory() as session, session.begin():
        await session.execute(
            update(XeroGrant)
            .where(XeroGrant.id == "grant-0000")
            .values(token_ciphertext=None, data_key_wrapped=None, kek_id=None, status="shredded")
        )

    report = await rotate_keys(session_factory, vault_for(KEY_B, KEY_A))

    assert report.tables["xero_grants"].rewrapped == GRANTS - 1
    assert (await key_status(session_factory))["xero_grants"] == {"b": GRANTS - 1}


async def test_rows_under_a_key_missing_from_the_keyring_are_reported_not_lost(
    session_factory: SessionFactory,
) -> None:
    await seed(session_factory)
    async with session_factory() as session, session.begin():
        session.add(sealed_grant(vault_for(KEY_C), 99))

    report = await rotate_keys(session_factory, vault_for(KEY_B, KEY_A))

    assert not report.complete
    assert report.tables["xero_grants"].failed == 1
    assert report.unknown_kek_ids == {"c"}
    assert [(f.row_id, f.kek_id) for f in report.failures] == [("grant-0099", "c")]
    assert "'c' is not in the keyring" in report.failures[0].reason
    assert report.tables["xero_grants"].rewrapped == GRANTS
    assert (await key_status(session_factory))["xero_grants"] == {"b": GRANTS, "c": 1}


async def test_a_row_resealed_meanwhile_is_left_alone(session_factory: SessionFactory) -> None:
    await seed(session_factory)
    async with session_factory() as session:
        stale = (
            await envelopes.rows_not_under(session, "xero_grants", "b", after_id=None, limit=1)
        )[0]
    # A refresh commits a new token set under the active key between our read and our write.
    refreshed = sealed_grant(vault_for(KEY_B, KEY_A), 0)
    async with session_factory() as session, session.begin():
        await session.execute(
            update(XeroGrant)
            .where(XeroGrant.id == stale.row_id)
            .values(
                token_ciphertext=refreshed.token_ciphertext,
                data_key_wrapped=refreshed.data_key_wrapped,
                kek_id="b",
            )
        )

    rewrapped, kek_id = vault_for(KEY_B, KEY_A).rewrap(
        stale.data_key_wrapped, stale.kek_id, row_id=stale.row_id
    )
    async with session_factory() as session, session.begin():
        replaced = await envelopes.replace_wrapped_key(
            session, "xero_grants", stale, data_key_wrapped=rewrapped, kek_id=kek_id
        )

    assert not replaced
    grants, _ = await load(session_factory)
    assert grants[0].data_key_wrapped == refreshed.data_key_wrapped
