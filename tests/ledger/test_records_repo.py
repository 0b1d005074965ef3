"""db/repos/records.py on Postgres and SQLite: bulk upsert by external id, versions, lists."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from tests.ledger.seed import seed_connection
from xero_connector.db.models import Record
from xero_connector.db.repos import records
from xero_connector.db.repos.source_keys import pending_source_keys


def _item(external_id: str, **payload: object) -> records.RecordInput:
    body = {"external_id": external_id, "name": "Acme", **payload}
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    return records.RecordInput(external_id, body, digest, [], voided=False)


async def _upsert(
    session: AsyncSession, connection_id: str, *items: records.RecordInput
) -> list[records.UpsertOutcome]:
    outcomes = await records.upsert_many(
        session, connection_id=connection_id, kind="contact", items=items
    )
    await session.commit()
    return outcomes


async def test_new_items_are_inserted_pending_at_version_one(any_session: AsyncSession) -> None:
    connection_id = await seed_connection(any_session)
    outcomes = await _upsert(any_session, connection_id, _item("c-1"), _item("c-2"))
    assert [(o.external_id, o.version, o.changed) for o in outcomes] == [
        ("c-1", 1, True),
        ("c-2", 1, True),
    ]
    record = await records.get_record(
        any_session, connection_id=connection_id, record_id=outcomes[0].record_id
    )
    assert record is not None
    assert (record.status, record.attempts, record.errors, record.kind) == (
        "pending",
        0,
        [],
        "contact",
    )


async def test_the_same_content_is_unchanged_and_keeps_its_id(any_session: AsyncSession) -> None:
    connection_id = await seed_connection(any_session)
    [first] = await _upsert(any_session, connection_id, _item("c-1"))
    again = await _upsert(any_session, connection_id, _item("c-2"), _item("c-1"))
    assert [(o.external_id, o.changed) for o in again] == [("c-2", True), ("c-1", False)]
    assert (again[1].record_id, again[1].version) == (first.record_id, 1)


async def test_changed_content_bumps_the_version_and_makes_a_failed_record_pending(
    any_session: AsyncSession,
) -> None:
    connection_id = await seed_connection(any_session)
    [first] = await _upsert(any_session, connection_id, _item("c-1"))
    await any_session.execute(
        update(Record)
        .where(Record.id == first.record_id)
        .values(status="failed", errors=["Name taken"], attempts=3)
    )
    await any_session.commit()
    [second] = await _upsert(any_session, connection_id, _item("c-1", email="a@b.example"))
    assert (second.record_id, second.version, second.changed) == (first.record_id, 2, True)
    record = await any_session.get(Record, first.record_id, populate_existing=True)
    assert record is not None
    assert (record.status, record.errors, record.attempts) == ("pending", [], 0)
    assert record.payload["email"] == "a@b.example"


async def test_a_record_held_by_a_batch_keeps_its_status_when_its_content_changes(
    any_session: AsyncSession,
) -> None:
    connection_id = await seed_connection(any_session)
    [first] = await _upsert(any_session, connection_id, _item("c-1"))
    await any_session.execute(
        update(Record).where(Record.id == first.record_id).values(status="sending", attempts=1)
    )
    await any_session.commit()
    [second] = await _upsert(any_session, connection_id, _item("c-1", name="Acme Ltd"))
    record = await any_session.get(Record, first.record_id, populate_existing=True)
    assert record is not None
    assert (second.version, record.status, record.attempts) == (2, "sending", 1)


async def test_records_list_in_ingestion_order_with_filters(any_session: AsyncSession) -> None:
    connection_id = await seed_connection(any_session)
    other = await seed_connection(any_session, "ws-2")
    outcomes = await _upsert(any_session, connection_id, *(_item(f"c-{i}") for i in range(5)))
    await _upsert(any_session, other, _item("c-0"))
    page = await records.list_records(any_session, connection_id=connection_id, limit=3)
    assert [r.external_id for r in page] == ["c-0", "c-1", "c-2"]
    rest = await records.list_records(
        any_session, connection_id=connection_id, after=page[-1].id, limit=3
    )
    assert [r.external_id for r in rest] == ["c-3", "c-4"]
    one = await records.list_records(any_session, connection_id=connection_id, external_id="c-4")
    assert [r.id for r in one] == [outcomes[4].record_id]
    assert (
        await records.list_records(any_session, connection_id=connection_id, status="synced") == []
    )


async def test_pending_source_keys_count_the_waiting_records_per_key(
    any_session: AsyncSession,
) -> None:
    connection_id = await seed_connection(any_session)
    uses = ["account:Sales", "tax:GST", "tracking:Region:North"]
    first = records.RecordInput("i-1", {"a": 1}, "h1", uses, voided=False)
    second = records.RecordInput("i-2", {"a": 2}, "h2", ["account:Sales"], voided=False)
    synced = records.RecordInput("i-3", {"a": 3}, "h3", ["account:Rent"], voided=False)
    outcomes = await records.upsert_many(
        any_session, connection_id=connection_id, kind="invoice", items=[first, second, synced]
    )
    await any_session.execute(
        update(Record).where(Record.id == outcomes[2].record_id).values(status="synced")
    )
    await any_session.commit()
    assert await pending_source_keys(any_session, connection_id) == [
        ("account", "Sales", 2),
        ("tax", "GST", 1),
        ("tracking", "Region:North", 1),
    ]
