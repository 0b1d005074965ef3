"""The store's interface to the sandbox (reset, counts, snapshot) and the where parser."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import pytest

from xero_connector.sandbox.accounting import AccountingStore
from xero_connector.sandbox.accounting.where import QueryParseError, parse_where
from xero_connector.sandbox.world import SandboxConfig, World

from .accounting_api import AU, UK, US, invoice, open_api


def test_every_organisation_is_seeded_with_contacts_and_documents() -> None:
    counts = AccountingStore(World(SandboxConfig())).counts()
    assert {
        t: (c["contacts"], c["invoices"], c["bank_transactions"]) for t, c in counts.items()
    } == {
        AU: (5, 2, 1),
        UK: (5, 2, 1),
        US: (5, 2, 1),
    }


def test_seeding_is_deterministic() -> None:
    first = AccountingStore(World(SandboxConfig(seed=7))).snapshot(AU)
    second = AccountingStore(World(SandboxConfig(seed=7))).snapshot(AU)
    assert first == second


def test_another_seed_gives_other_ids() -> None:
    first = AccountingStore(World(SandboxConfig(seed=1))).snapshot(AU)["invoices"][0]["InvoiceID"]
    second = AccountingStore(World(SandboxConfig(seed=2))).snapshot(AU)["invoices"][0]["InvoiceID"]
    assert first != second


def test_snapshot_is_plain_json_with_numbers() -> None:
    snapshot = AccountingStore(World(SandboxConfig())).snapshot(AU)
    assert snapshot["invoices"][0]["Total"] == 1650.0


async def test_reset_forgets_created_documents() -> None:
    async with open_api() as api:
        seeded = api.store.snapshot(AU)
        await api.one("Invoices", invoice())
        api.store.reset()
        assert api.store.snapshot(AU) == seeded


async def test_reset_forgets_idempotency_keys() -> None:
    async with open_api() as api:
        headers = api.headers(**{"Idempotency-Key": "reset-me"})
        await api.put("Invoices", [invoice()], headers=headers)
        api.store.reset()
        response = await api.put("Invoices", [invoice(Reference="new")], headers=headers)
        assert response.status_code == 200


async def test_counts_follow_writes() -> None:
    async with open_api() as api:
        await api.one("Contacts", {"Name": "Counted"})
        assert api.store.counts()[AU]["contacts"] == 6


def _matches(where: str, body: Mapping[str, object]) -> bool:
    return parse_where(where)(dict(body))


def test_where_equality_ignores_case() -> None:
    assert _matches('Name=="abc"', {"Name": "ABC"})


def test_where_or_and_parentheses() -> None:
    body = {"Type": "ACCPAY", "Status": "DRAFT"}
    assert _matches('(Type=="ACCREC" || Type=="ACCPAY") AND Status!="PAID"', body)


def test_where_compares_numbers() -> None:
    assert _matches("Total >= 100.5", {"Total": Decimal("100.50")})


def test_where_compares_dates() -> None:
    body = {"Date": "/Date(1768435200000+0000)/"}  # 2026-01-15
    assert _matches("Date >= DateTime(2026, 01, 15) && Date < DateTime(2026,1,16)", body)


def test_where_contains() -> None:
    assert _matches('Name.Contains("furn")', {"Name": "ABC Furniture"})


def test_where_rejects_dangling_operators() -> None:
    with pytest.raises(QueryParseError):
        parse_where('Name=="x" &&')
