"""SQL for ``records``, the outbox: bulk upsert by external id, one record, keyset lists.

Upsert rules (the sync relies on them):
- a new external id is inserted ``pending`` at version 1;
- the same content (equal ``payload_hash``) changes nothing, not even ``updated_at``;
- changed content bumps ``version`` by one in SQL (so concurrent ingests cannot lose a bump),
  clears ``errors``/``blocked_reason``/``attempts``/``next_attempt_at``, and makes the record
  ``pending`` again, except while it is ``sending`` or ``uncertain``: a batch holds it then, and
  the sync, when it settles that batch, sees ``version > synced_version`` and makes it pending.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.base import utcnow
from xero_connector.db.models import Record

KINDS = ("contact", "invoice", "bank_transaction")
STATUSES = ("pending", "blocked", "sending", "synced", "failed", "uncertain")
# A batch holds records in these statuses; ingestion does not take them away from it.
HELD_STATUSES = ("sending", "uncertain")


class _UUIDv7:
    """UUIDv7 (RFC 9562) with a 12-bit counter in ``rand_a``: ids made by one process increase
    strictly, also within a millisecond (the clock is borrowed from when 4,096 ids share one)."""

    def __init__(self) -> None:
        self._millis = 0
        self._counter = 0

    def __call__(self) -> str:
        millis = time.time_ns() // 1_000_000
        if millis > self._millis:
            self._millis, self._counter = millis, 0
        else:
            self._counter += 1
            if self._counter > 0xFFF:
                self._millis, self._counter = self._millis + 1, 0
        value = (self._millis & ((1 << 48) - 1)) << 80
        value |= 0x7 << 76 | self._counter << 64 | 0b10 << 62
        value |= int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
        return str(uuid.UUID(int=value))


# Time-ordered, so ordering by id is ingestion order and inserts stay at the right edge of the
# primary-key index.
new_record_id = _UUIDv7()


@dataclass(frozen=True)
class RecordInput:
    """One validated, normalised item to upsert."""

    external_id: str
    payload: dict[str, Any]
    payload_hash: str
    source_keys: list[str]
    voided: bool


@dataclass(frozen=True)
class UpsertOutcome:
    """What the upsert did to one item: ``changed`` is False for the same content."""

    external_id: str
    record_id: str
    version: int
    changed: bool


async def upsert_many(
    session: AsyncSession, *, connection_id: str, kind: str, items: Sequence[RecordInput]
) -> list[UpsertOutcome]:
    """Insert or update ``items`` (distinct external ids) in one statement; outcomes in input order.

    One round trip when every item is new or changed; a second one reads the ids of unchanged items.
    """
    if not items:
        return []
    now = utcnow()
    rows = [
        {
            "id": new_record_id(),
            "connection_id": connection_id,
            "kind": kind,
            "external_id": item.external_id,
            "payload": item.payload,
            "payload_hash": item.payload_hash,
            "source_keys": item.source_keys,
            "version": 1,
            "status": "pending",
            "attempts": 0,
            "errors": [],
            "voided": item.voided,
            "created_at": now,
            "updated_at": now,
        }
        for item in items
    ]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Record)
    excluded = statement.excluded
    # Plain comparisons, not IN: an expanding IN cannot take part in an executemany.
    held: ColumnElement[bool] = or_(*(Record.status == status for status in HELD_STATUSES))
    upsert = statement.on_conflict_do_update(
        index_elements=[Record.connection_id, Record.kind, Record.external_id],
        set_={
            "payload": excluded.payload,
            "payload_hash": excluded.payload_hash,
            "source_keys": excluded.source_keys,
            "voided": excluded.voided,
            "version": Record.version + 1,
            "status": case((held, Record.status), else_="pending"),
            "attempts": case((held, Record.attempts), else_=0),
            "errors": case((held, Record.errors), else_=excluded.errors),
            "blocked_reason": case((held, Record.blocked_reason), else_=None),
            "next_attempt_at": case((held, Record.next_attempt_at), else_=None),
            "updated_at": excluded.updated_at,
        },
        where=Record.payload_hash != excluded.payload_hash,
    ).returning(Record.id, Record.external_id, Record.version)
    result = await session.execute(upsert, rows)
    written = {row.external_id: (row.id, row.version) for row in result}
    missing = [item.external_id for item in items if item.external_id not in written]
    unchanged: dict[str, tuple[str, int]] = {}
    if missing:
        found = await session.execute(
            select(Record.id, Record.external_id, Record.version).where(
                Record.connection_id == connection_id,
                Record.kind == kind,
                Record.external_id.in_(missing),
            )
        )
        unchanged = {row.external_id: (row.id, row.version) for row in found}
    outcomes: list[UpsertOutcome] = []
    for item in items:
        if item.external_id in written:
            record_id, version = written[item.external_id]
            outcomes.append(UpsertOutcome(item.external_id, record_id, version, changed=True))
        else:
            record_id, version = unchanged[item.external_id]
            outcomes.append(UpsertOutcome(item.external_id, record_id, version, changed=False))
    return outcomes


async def get_record(session: AsyncSession, *, connection_id: str, record_id: str) -> Record | None:
    """The connection's record by id (None for another connection's)."""
    record = await session.get(Record, record_id)
    if record is None or record.connection_id != connection_id:
        return None
    return record


async def get_by_external_id(
    session: AsyncSession, *, connection_id: str, kind: str, external_id: str
) -> Record | None:
    result = await session.execute(
        select(Record).where(
            Record.connection_id == connection_id,
            Record.kind == kind,
            Record.external_id == external_id,
        )
    )
    return result.scalar_one_or_none()


async def list_records(
    session: AsyncSession,
    *,
    connection_id: str,
    kind: str | None = None,
    status: str | None = None,
    external_id: str | None = None,
    after: str | None = None,
    limit: int = 50,
) -> Sequence[Record]:
    """Up to ``limit`` records of a connection in ingestion order (by id), after id ``after``."""
    query = select(Record).where(Record.connection_id == connection_id)
    if kind is not None:
        query = query.where(Record.kind == kind)
    if status is not None:
        query = query.where(Record.status == status)
    if external_id is not None:
        query = query.where(Record.external_id == external_id)
    if after is not None:
        query = query.where(Record.id > after)
    result = await session.execute(query.order_by(Record.id).limit(limit))
    return result.scalars().all()


async def contact_xero_ids(
    session: AsyncSession, *, connection_id: str, external_ids: Sequence[str]
) -> dict[str, str]:
    """The Xero ContactIDs of those of ``external_ids`` whose contact has reached Xero."""
    if not external_ids:
        return {}
    result = await session.execute(
        select(Record.external_id, Record.xero_id).where(
            Record.connection_id == connection_id,
            Record.kind == "contact",
            Record.external_id.in_(list(set(external_ids))),
            Record.xero_id.is_not(None),
        )
    )
    return {row.external_id: row.xero_id for row in result if row.xero_id is not None}


async def mark_for_retry(
    session: AsyncSession, *, connection_id: str, record_id: str, now: datetime | None = None
) -> bool:
    """Compare-and-set a ``failed`` record back to ``pending`` as it is; False when it was not
    failed (any more)."""
    result = await session.execute(
        update(Record)
        .where(
            Record.id == record_id,
            Record.connection_id == connection_id,
            Record.status == "failed",
        )
        .values(status="pending", attempts=0, next_attempt_at=None, updated_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))
