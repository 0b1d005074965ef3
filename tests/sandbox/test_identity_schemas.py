"""Every identity response body the sandbox returns validates against xero-identity.yaml."""

from __future__ import annotations

from .conftest import SandboxFactory
from .flows import AU, UK, bearer, connect, refresh
from .openapi_schemas import XERO_OPENAPI_DIR, component, errors, response_schema

SPEC = "xero-identity.yaml"


def test_the_spec_is_where_the_tests_expect_it() -> None:
    assert (XERO_OPENAPI_DIR / SPEC).is_file()


async def test_connections_validate(make_sandbox: SandboxFactory) -> None:
    client, _, _ = await make_sandbox()
    tokens = await connect(client, "carol@sandbox.test", [AU, UK])
    for path in ("/connections", "/Connections"):
        body = (await client.get(path, headers=bearer(tokens["access_token"]))).json()
        assert len(body) == 2
        assert errors(SPEC, response_schema(SPEC, "/Connections", "get", "200"), body) == []


async def test_token_sets_validate(make_sandbox: SandboxFactory) -> None:
    client, _, _ = await make_sandbox()
    issued = await connect(client)
    assert errors(SPEC, component("AccessToken"), issued) == []
    refreshed = (await refresh(client, issued["refresh_token"])).json()
    assert errors(SPEC, component("AccessToken"), refreshed) == []


async def test_the_checker_catches_a_wrong_body() -> None:
    wrong = [{"id": "not-a-uuid", "tenantId": 7, "createdDateUtc": "yesterday"}]
    found = errors(SPEC, response_schema(SPEC, "/Connections", "get", "200"), wrong)
    assert len(found) == 3
