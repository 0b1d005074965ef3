"""No secret (client secret, password, MFA code, code, token) shows in a repr of sandbox state."""

from __future__ import annotations

from .conftest import CLIENT_SECRET, SandboxFactory
from .flows import BOB_MFA, authorize_params, connect, consent, query


async def test_reprs_of_config_users_and_identity_state_hold_no_secret(
    make_sandbox: SandboxFactory,
) -> None:
    client, sandbox, _ = await make_sandbox()
    tokens = await connect(client, "bob@sandbox.test")
    pending = await consent(client, params=authorize_params())
    code = query(pending.headers["location"])["code"]
    store = sandbox.identity.store
    shown = " ".join(
        repr(part)
        for part in (
            sandbox.world.config,
            store.grants,
            store.codes,
            store.refresh_tokens,
            store.connections,
            store.transactions,
            sandbox.identity.key,
        )
    )
    for secret in (CLIENT_SECRET, "bob-password", BOB_MFA, code, tokens["refresh_token"]):
        assert secret not in shown
    assert "bob@sandbox.test" in shown
