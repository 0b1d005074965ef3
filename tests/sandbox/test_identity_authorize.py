"""The authorize pages: sign-in, MFA, organisation picker, Allow and Cancel, and their refusals."""

from __future__ import annotations

from .conftest import REDIRECT_URI, SandboxFactory
from .flows import AU, BOB_MFA, UK, US, authorize_params, consent, query, txn_of

AUTHORIZE = "/identity/connect/authorize"


async def test_mfa_user_completes_consent_by_form_posts(make_sandbox: SandboxFactory) -> None:
    client, sandbox, _ = await make_sandbox()
    params = authorize_params()
    page = await client.get(AUTHORIZE, params=params)
    assert "<form" in page.text
    assert 'name="password"' in page.text
    txn = txn_of(page)
    page = await client.post(
        f"{AUTHORIZE}/login",
        data={"txn": txn, "email": "bob@sandbox.test", "password": "bob-password"},
    )
    assert page.headers["x-sandbox-step"] == "mfa"
    assert 'name="code"' in page.text
    wrong = await client.post(f"{AUTHORIZE}/mfa", data={"txn": txn, "code": "000000"})
    assert wrong.headers["x-sandbox-step"] == "mfa"
    assert "not valid" in wrong.text
    page = await client.post(f"{AUTHORIZE}/mfa", data={"txn": txn, "code": BOB_MFA})
    assert page.headers["x-sandbox-step"] == "consent"
    assert "Demo Company (AU)" in page.text
    assert "Demo Company (UK)" in page.text
    done = await client.post(
        f"{AUTHORIZE}/consent", data={"txn": txn, "action": "allow", "tenant": [UK]}
    )
    assert done.status_code == 303
    location = done.headers["location"]
    assert location.startswith(REDIRECT_URI + "?")
    assert query(location)["state"] == params["state"]
    assert query(location)["code"]
    [connection] = sandbox.identity.store.connections.values()
    assert connection.tenant_id == UK


async def test_multi_org_user_can_pick_several_organisations(make_sandbox: SandboxFactory) -> None:
    client, sandbox, _ = await make_sandbox()
    done = await consent(client, "carol@sandbox.test", tenants=[AU, US])
    assert "code" in query(done.headers["location"])
    tenants = {c.tenant_id for c in sandbox.identity.store.connections.values()}
    assert tenants == {AU, US}


async def test_single_org_user_sees_their_organisation_preselected(
    make_sandbox: SandboxFactory,
) -> None:
    client, _, _ = await make_sandbox()
    page = await client.get(AUTHORIZE, params=authorize_params())
    page = await client.post(
        f"{AUTHORIZE}/login",
        data={"txn": txn_of(page), "email": "alice@sandbox.test", "password": "alice-password"},
    )
    assert f'value="{AU}" checked' in page.text
    assert UK not in page.text


async def test_wrong_password_shows_the_form_again(make_sandbox: SandboxFactory) -> None:
    client, _, _ = await make_sandbox()
    page = await client.get(AUTHORIZE, params=authorize_params())
    again = await client.post(
        f"{AUTHORIZE}/login",
        data={"txn": txn_of(page), "email": "alice@sandbox.test", "password": "nope"},
    )
    assert again.headers["x-sandbox-step"] == "login"
    assert "incorrect" in again.text


async def test_cancel_redirects_with_access_denied_and_state(make_sandbox: SandboxFactory) -> None:
    client, sandbox, _ = await make_sandbox()
    params = authorize_params()
    done = await consent(client, action="cancel", params=params)
    assert query(done.headers["location"]) == {"error": "access_denied", "state": params["state"]}
    assert not sandbox.identity.store.connections


async def test_allow_without_an_organisation_asks_again(make_sandbox: SandboxFactory) -> None:
    client, _, _ = await make_sandbox()
    page = await client.get(AUTHORIZE, params=authorize_params())
    txn = txn_of(page)
    await client.post(
        f"{AUTHORIZE}/login",
        data={"txn": txn, "email": "carol@sandbox.test", "password": "carol-password"},
    )
    again = await client.post(f"{AUTHORIZE}/consent", data={"txn": txn, "action": "allow"})
    assert again.status_code == 200
    assert "Select at least one" in again.text
    foreign = await client.post(
        f"{AUTHORIZE}/consent", data={"txn": txn, "action": "allow", "tenant": ["nope"]}
    )
    assert "Select at least one" in foreign.text


async def test_consent_before_sign_in_is_refused(make_sandbox: SandboxFactory) -> None:
    client, _, _ = await make_sandbox()
    page = await client.get(AUTHORIZE, params=authorize_params())
    early = await client.post(
        f"{AUTHORIZE}/consent", data={"txn": txn_of(page), "action": "allow", "tenant": [AU]}
    )
    assert early.status_code == 400


async def test_mfa_step_cannot_be_skipped(make_sandbox: SandboxFactory) -> None:
    client, _, _ = await make_sandbox()
    page = await client.get(AUTHORIZE, params=authorize_params())
    txn = txn_of(page)
    await client.post(
        f"{AUTHORIZE}/login",
        data={"txn": txn, "email": "bob@sandbox.test", "password": "bob-password"},
    )
    skipped = await client.post(
        f"{AUTHORIZE}/consent", data={"txn": txn, "action": "allow", "tenant": [AU]}
    )
    assert skipped.status_code == 400


async def test_unknown_client_gets_an_error_page_not_a_redirect(
    make_sandbox: SandboxFactory,
) -> None:
    client, _, _ = await make_sandbox()
    page = await client.get(AUTHORIZE, params=authorize_params(client_id="stranger"))
    assert page.status_code == 400
    assert "unauthorized_client" in page.text
    assert "location" not in page.headers


async def test_missing_redirect_uri_gets_an_error_page(make_sandbox: SandboxFactory) -> None:
    client, _, _ = await make_sandbox()
    params = authorize_params()
    del params["redirect_uri"]
    page = await client.get(AUTHORIZE, params=params)
    assert page.status_code == 400
    assert "redirect_uri" in page.text


async def test_unregistered_redirect_uri_is_refused_when_uris_are_registered(
    make_sandbox: SandboxFactory,
) -> None:
    client, _, _ = await make_sandbox(redirect_uris=("http://elsewhere.test/cb",))
    page = await client.get(AUTHORIZE, params=authorize_params())
    assert page.status_code == 400


async def test_bad_scope_response_type_and_pkce_method_redirect_with_errors(
    make_sandbox: SandboxFactory,
) -> None:
    client, _, _ = await make_sandbox()
    cases = {
        "invalid_scope": authorize_params(scope="openid accounting.everything"),
        "unsupported_response_type": authorize_params(response_type="token"),
        "invalid_request": authorize_params(code_challenge="x", code_challenge_method="plain"),
    }
    for error, params in cases.items():
        answer = await client.get(AUTHORIZE, params=params)
        assert answer.status_code == 302
        assert query(answer.headers["location"]) == {"error": error, "state": params["state"]}
    no_openid = await client.get(AUTHORIZE, params=authorize_params(scope="accounting.settings"))
    assert query(no_openid.headers["location"])["error"] == "invalid_scope"


async def test_auto_approve_redirects_straight_back_with_all_the_users_orgs(
    make_sandbox: SandboxFactory,
) -> None:
    client, sandbox, _ = await make_sandbox(auto_approve="carol")
    params = authorize_params()
    answer = await client.get(AUTHORIZE, params=params)
    assert answer.status_code == 302
    back = query(answer.headers["location"])
    assert back["state"] == params["state"]
    assert back["code"]
    tenants = {c.tenant_id for c in sandbox.identity.store.connections.values()}
    assert tenants == {AU, UK, US}


async def test_an_expired_sign_in_must_start_again(make_sandbox: SandboxFactory) -> None:
    client, sandbox, _ = await make_sandbox()
    page = await client.get(AUTHORIZE, params=authorize_params())
    sandbox.world.clock.advance(sandbox.world.config.login_seconds + 1)
    late = await client.post(
        f"{AUTHORIZE}/login",
        data={"txn": txn_of(page), "email": "alice@sandbox.test", "password": "alice-password"},
    )
    assert late.status_code == 400
    assert "expired" in late.text
