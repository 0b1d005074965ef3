"""Strict mode: write bodies checked against xero_accounting.yaml; violations counted, refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from xero_connector.sandbox.accounting import (
    AccountingStore,
    SpecNotFoundError,
    build_accounting_router,
)
from xero_connector.sandbox.accounting.schema import ENV_VAR, find_spec
from xero_connector.sandbox.world import SandboxConfig, World

from .accounting_api import Api, invoice, line, open_api
from .openapi_schemas import XERO_OPENAPI_DIR


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async with open_api() as opened:
        yield opened


async def test_wrong_type_is_refused_as_post_data_invalid(api: Api) -> None:
    response = await api.put("Invoices", [invoice(LineItems=[line(Quantity="2")])], summarize=False)
    assert (response.status_code, response.json()["Type"]) == (400, "PostDataInvalidException")


async def test_violation_is_counted_with_its_path(api: Api) -> None:
    await api.put("Invoices", [invoice(), invoice(LineItems=[line(Quantity="2")])])
    assert api.world.stats.schema_violations == [
        {
            "path": "Invoices[1].LineItems[0].Quantity",
            "kind": "type",
            "message": "Invoices[1].LineItems[0].Quantity must be number",
            "route": "PUT /api.xro/2.0/Invoices",
        }
    ]


async def test_refused_body_saves_nothing(api: Api) -> None:
    before = api.store.counts()[api.tenant]["invoices"]
    await api.put("Invoices", [invoice(), invoice(Status="OPEN")], summarize=False)
    assert api.store.counts()[api.tenant]["invoices"] == before


async def test_misspelt_field_is_a_violation(api: Api) -> None:
    await api.put("Invoices", [invoice(LineAmountType="Exclusive")])
    assert api.world.stats.schema_violations[0]["kind"] == "additionalProperties"


async def test_bad_uuid_is_a_violation(api: Api) -> None:
    await api.put("Invoices", [invoice(Contact={"ContactID": "not-a-guid"})])
    assert api.world.stats.schema_violations[0]["path"] == "Invoices[0].Contact.ContactID"


async def test_read_only_fields_sent_back_are_tolerated(api: Api) -> None:
    created = await api.one("Invoices", invoice(Status="DRAFT"))
    echo = {
        k: v for k, v in created.items() if k not in ("StatusAttributeString", "ValidationErrors")
    }
    response = await api.post("Invoices", [echo])
    assert api.world.stats.schema_violations == []
    assert response.status_code == 200


async def test_boolean_with_a_string_default_in_the_spec_accepts_a_boolean(api: Api) -> None:
    # the spec says HasAttachments: {type: boolean, default: "false"}; the default must not leak
    response = await api.put("Invoices", [invoice(HasAttachments=False)])
    assert (response.status_code, "HasAttachments" in response.json()["Invoices"][0]) == (200, True)


async def test_wrapper_with_an_unknown_key_is_a_violation(api: Api) -> None:
    response = await api.write("PUT", "/Contacts", {"Contacts": [{"Name": "X"}], "Extra": 1})
    assert (response.status_code, api.world.stats.schema_violations[0]["path"]) == (400, "$")


async def test_lax_mode_lets_garbage_reach_the_rules(api: Api) -> None:
    async with open_api(strict=False) as lax:
        response = await lax.put(
            "Invoices", [invoice(LineItems=[line(Quantity="abc")])], summarize=False
        )
        element = response.json()["Invoices"][0]
    assert (element["StatusAttributeString"], lax.world.stats.schema_violations) == ("ERROR", [])


def test_spec_directory_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(XERO_OPENAPI_DIR))
    assert find_spec() == XERO_OPENAPI_DIR / "xero_accounting.yaml"


def test_spec_is_found_above_the_working_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.chdir(XERO_OPENAPI_DIR.parents[1] / "shared")
    assert find_spec().name == "xero_accounting.yaml"


def test_strict_mode_without_the_spec_fails_at_start(tmp_path: Path) -> None:
    world = World(SandboxConfig(strict=True))
    with pytest.raises(SpecNotFoundError, match="--no-strict"):
        build_accounting_router(world, AccountingStore(world), openapi_dir=tmp_path)


def test_lax_mode_does_not_need_the_spec(tmp_path: Path) -> None:
    world = World(SandboxConfig(strict=False))
    router = build_accounting_router(world, AccountingStore(world), openapi_dir=tmp_path)
    assert any(getattr(route, "path", "") == "/api.xro/2.0/Invoices" for route in router.routes)
