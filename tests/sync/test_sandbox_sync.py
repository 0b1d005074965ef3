"""Sync against the sandbox over HTTP: the connector's API, its in-process jobs, the real client
and limiter, on Postgres. What arrived is counted by the sandbox itself."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.mappings.conftest import AU, UK
from tests.sync.sandbox_support import SyncConnector, duplicates, sync_connector
from tests.tokens.sandbox_support import SandboxServer, run_sandbox
from xero_connector.jobs import ids
from xero_connector.vault import Vault

TIME_SCALE = 60.0  # a sandbox minute lasts a real second; the limiter is scaled alike
TAX = {AU: ("OUTPUT", "INPUT"), UK: ("OUTPUT2", "INPUT2")}


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    extra = ("--auto-approve", "carol", "--time-scale", str(TIME_SCALE), "--hang-seconds", "3")
    with run_sandbox(grace_seconds=1800, extra=extra) as running:
        yield running


@pytest.fixture
async def connector(
    server: SandboxServer, sessions: async_sessionmaker[AsyncSession], vault: Vault
) -> AsyncIterator[SyncConnector]:
    async with sync_connector(
        server, sessions, vault, time_scale=TIME_SCALE, call_timeout=1.5
    ) as running:
        yield running


def contact(n: int, **extra: Any) -> dict[str, Any]:
    return {"external_id": f"c-{n}", "name": f"Customer {n}"} | extra


def invoice(n: int, contact_n: int, **extra: Any) -> dict[str, Any]:
    return {
        "external_id": f"inv-{n}",
        "type": "sales",
        "contact_external_id": f"c-{contact_n}",
        "issue_date": "2026-11-30",
        "due_date": "2026-12-30",
        "status": "authorised",
        "lines": [
            {
                "description": "Work",
                "quantity": 2,
                "unit_amount": "10.25",
                "category": "sales",
                "tax_code": "out",
            }
        ],
    } | extra


def bank_transaction(n: int, contact_n: int) -> dict[str, Any]:
    return {
        "external_id": f"bt-{n}",
        "type": "spend",
        "money_account": "main",
        "contact_external_id": f"c-{contact_n}",
        "date": "2026-11-30",
        "lines": [
            {
                "description": "Fuel",
                "quantity": 1,
                "unit_amount": "42.00",
                "category": "fuel",
                "tax_code": "in",
            }
        ],
    }


async def map_all(
    connector: SyncConnector, connection_id: str, tenant: str, sales: str = "200"
) -> None:
    output, input_ = TAX[tenant]
    answer = await connector.put_mappings(
        connection_id,
        [
            {"kind": "account", "source_key": "sales", "target": {"code": sales}},
            {"kind": "account", "source_key": "fuel", "target": {"code": "400"}},
            {"kind": "tax", "source_key": "out", "target": {"tax_type": output}},
            {"kind": "tax", "source_key": "in", "target": {"tax_type": input_}},
            {"kind": "bank_account", "source_key": "main", "target": {"code": "090"}},
        ],
    )
    assert answer.status_code == 200, answer.text


async def backlog(
    connector: SyncConnector, connection_id: str, contacts: int, documents: int
) -> None:
    await connector.ingest(
        connection_id, "invoice", [invoice(n, n % contacts) for n in range(documents)]
    )
    await connector.ingest(
        connection_id,
        "bank_transaction",
        [bank_transaction(n, n % contacts) for n in range(documents // 2)],
    )
    await connector.ingest(connection_id, "contact", [contact(n) for n in range(contacts)])


def ours(docs: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The documents the connector sent (they carry its keys), by kind; not the sandbox's seed."""
    return {
        "contacts": [
            d for d in docs["contacts"] if str(d.get("ContactNumber", "")).startswith("xc-")
        ],
        "invoices": [d for d in docs["invoices"] if "[xc-" in str(d.get("Reference", ""))],
        "bank_transactions": [
            d for d in docs["bank_transactions"] if "[xc-" in str(d.get("Reference", ""))
        ],
    }


def assert_exactly_once(docs: dict[str, list[dict[str, Any]]], expected: dict[str, int]) -> None:
    ours_by_kind = ours(docs)
    assert {name: len(found) for name, found in ours_by_kind.items()} == expected
    assert duplicates(ours_by_kind["contacts"], "ContactNumber") == 0
    assert duplicates(ours_by_kind["invoices"], "Reference") == 0
    assert duplicates(ours_by_kind["bank_transactions"], "Reference") == 0


async def test_a_backlog_for_two_tenants_lands_exactly_once_within_the_limits(
    connector: SyncConnector,
) -> None:
    connections = await connector.connect()
    for tenant in (AU, UK):
        await map_all(connector, connections[tenant], tenant)
        await backlog(connector, connections[tenant], contacts=300, documents=1200)
    runs = [await connector.sync(connections[tenant]) for tenant in (AU, UK)]
    for tenant, run in zip((AU, UK), runs, strict=True):
        if run["status"] != "succeeded":
            bad = [
                r for r in await connector.records(connections[tenant]) if r["status"] != "synced"
            ]
            print(run["counts"], run["error"], bad[:3], len(bad))
        assert run["status"] == "succeeded", run
        assert await connector.statuses(connections[tenant]) == {"synced": 2100}
        docs = await connector.documents(tenant)
        assert_exactly_once(docs, {"contacts": 300, "invoices": 1200, "bank_transactions": 600})
    stats = await connector.stats()
    assert stats["breaches_total"] == 0
    assert stats["schema_violations"] == 0 or stats["schema_violations"] == []


async def test_dropped_answers_are_reconciled_and_nothing_is_duplicated(
    connector: SyncConnector,
) -> None:
    connections = await connector.connect()
    connection_id = connections[AU]
    await map_all(connector, connection_id, AU)
    await backlog(connector, connection_id, contacts=60, documents=200)
    await connector.faults(fault_drop=0.3)
    run = await connector.sync(connection_id)
    await connector.faults(fault_drop=0.0)
    assert run["status"] == "succeeded", run
    stats = await connector.stats()
    assert stats["faults"].get("drop", 0) > 0
    assert await connector.statuses(connection_id) == {"synced": 360}
    assert_exactly_once(
        await connector.documents(AU), {"contacts": 60, "invoices": 200, "bank_transactions": 100}
    )


async def test_lost_answers_are_reconciled_after_xero_forgot_the_idempotency_keys(
    connector: SyncConnector,
) -> None:
    connections = await connector.connect()
    connection_id = connections[AU]
    await map_all(connector, connection_id, AU)
    await connector.faults(fault_drop=1.0)  # every write is applied and its answer lost
    await connector.ingest(connection_id, "contact", [contact(n) for n in range(120)])
    await connector.client.post(f"/v1/connections/{connection_id}/sync", headers=connector.headers)
    for _ in range(400):  # until a few answers were lost
        if (await connector.stats())["faults"].get("drop", 0) >= 3:
            break
        await asyncio.sleep(0.05)
    # Xero keeps keys only minutes: move the sandbox past its memory before anything is resent
    (
        await connector.http.post(
            f"{connector.sandbox.origin}/_sandbox/clock/advance", params={"seconds": 3600}
        )
    ).raise_for_status()
    await connector.faults(fault_drop=0.0)
    run = await connector.settled(connection_id)
    assert run["status"] == "succeeded", run
    assert await connector.statuses(connection_id) == {"synced": 120}
    assert_exactly_once(
        await connector.documents(AU), {"contacts": 120, "invoices": 0, "bank_transactions": 0}
    )


async def test_a_partly_refused_batch_stores_the_good_ones_and_xeros_messages(
    connector: SyncConnector,
) -> None:
    connections = await connector.connect()
    connection_id = connections[AU]
    await map_all(connector, connection_id, AU)
    await connector.ingest(connection_id, "contact", [contact(1)])
    invoices = [invoice(n, 1, number=f"N-{n}") for n in range(10)]
    invoices[7]["number"] = "N-3"  # Xero: sales invoice numbers are unique
    await connector.ingest(connection_id, "invoice", invoices)
    run = await connector.sync(connection_id)
    assert run["status"] == "partial"
    assert run["counts"]["invoice"] == {"synced": 9, "failed": 1, "blocked": 0, "pending": 0}
    [failed] = await connector.records(connection_id, status="failed")
    assert failed["external_id"] == "inv-7"
    assert failed["errors"] == ["Invoice # must be unique."]
    synced = await connector.records(connection_id, kind="invoice", status="synced")
    assert len(synced) == 9
    assert all(record["xero_id"] for record in synced)


async def test_a_contact_whose_name_is_taken_fails_with_xeros_message_and_is_not_resent(
    connector: SyncConnector,
) -> None:
    connections = await connector.connect()
    connection_id = connections[AU]
    await connector.ingest(
        connection_id, "contact", [contact(1, name="Acme"), contact(2, name="ACME")]
    )
    run = await connector.sync(connection_id)
    assert run["status"] == "partial"
    [failed] = await connector.records(connection_id, status="failed")
    assert failed["external_id"] == "c-2"
    assert "already assigned to another contact" in failed["errors"][0]
    puts = (await connector.stats())["calls"].get("PUT /api.xro/2.0/Contacts", 0)
    assert puts == 1
    again = await connector.sync(connection_id)
    assert again["status"] == "succeeded"
    assert (await connector.stats())["calls"].get("PUT /api.xro/2.0/Contacts", 0) == puts
    [still] = await connector.records(connection_id, status="failed")
    assert still["errors"] == failed["errors"]


async def test_an_update_and_a_void_after_a_create(connector: SyncConnector) -> None:
    connections = await connector.connect()
    connection_id = connections[AU]
    await map_all(connector, connection_id, AU)
    await connector.ingest(connection_id, "contact", [contact(1)])
    await connector.ingest(connection_id, "invoice", [invoice(1, 1)])
    await connector.sync(connection_id)
    [created] = await connector.records(connection_id, kind="invoice")
    changed = invoice(1, 1)
    changed["lines"][0]["unit_amount"] = "30.00"
    await connector.ingest(connection_id, "invoice", [changed])
    assert (await connector.sync(connection_id))["status"] == "succeeded"
    await connector.ingest(connection_id, "invoice", [changed | {"status": "void"}])
    assert (await connector.sync(connection_id))["status"] == "succeeded"
    [record] = await connector.records(connection_id, kind="invoice")
    assert (record["xero_id"], record["version"], record["status"]) == (
        created["xero_id"],
        3,
        "synced",
    )
    [doc] = (await connector.documents(AU))["invoices"][-1:]
    assert doc["InvoiceID"] == created["xero_id"]
    assert doc["Status"] == "VOIDED"
    assert doc["SubTotal"] == 60.0
    ours = [
        d for d in (await connector.documents(AU))["invoices"] if "[xc-" in str(d.get("Reference"))
    ]
    assert len(ours) == 1


async def test_drift_blocks_a_record_and_a_fixed_mapping_releases_it(
    connector: SyncConnector,
) -> None:
    connections = await connector.connect()
    connection_id = connections[AU]
    await map_all(connector, connection_id, AU)
    await connector.change_at_xero(AU, {"account": "200", "status": "ARCHIVED"})
    await connector.pull(connection_id)
    await connector.ingest(connection_id, "contact", [contact(1)])
    await connector.ingest(connection_id, "invoice", [invoice(1, 1)])
    run = await connector.sync(connection_id)
    assert run["status"] == "partial"
    assert run["counts"]["invoice"]["blocked"] == 1
    [blocked] = await connector.records(connection_id, status="blocked")
    assert "archived" in (blocked["blocked_reason"] or "").lower()
    await map_all(connector, connection_id, AU, sales="260")
    # nobody asks for a run: the sweeper's next round sees the changed mapping
    await connector.runner.run_now(ids.SWEEP)
    run = await connector.settled(connection_id)
    assert run["trigger"] == "schedule"
    assert run["status"] == "succeeded", run
    [record] = await connector.records(connection_id, kind="invoice")
    assert record["status"] == "synced"
    [doc] = [
        d for d in (await connector.documents(AU))["invoices"] if "[xc-" in str(d.get("Reference"))
    ]
    assert doc["LineItems"][0]["AccountCode"] == "260"
