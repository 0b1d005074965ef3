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

import orjson
from sqlalchemy import ColumnElement, bindparam, case, or_, select, text, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.base import UTCDateTime, utcnow
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


# external id -> (record id, version, changed)
Written = dict[str, tuple[str, int, bool]]


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

    On Postgres one round trip; on SQLite a second one reads the ids of unchanged items.
    """
    if not items:
        return []
    now = utcnow()
    if session.get_bind().dialect.name == "postgresql":
        written = await _upsert_postgres(session, connection_id, kind, items, now)
    else:
        written = await _upsert_portable(session, connection_id, kind, items, now)
    missing = [item.external_id for item in items if item.external_id not in written]
    if missing:
        # Same content (SQLite), or another transaction wrote this content meanwhile.
        found = await session.execute(
            select(Record.id, Record.external_id, Record.version).where(
                Record.connection_id == connection_id,
                Record.kind == kind,
                Record.external_id.in_(missing),
            )
        )
        written |= {row.external_id: (row.id, row.version, False) for row in found}
    return [UpsertOutcome(item.external_id, *written[item.external_id]) for item in items]


# The same rules as _upsert_portable in one statement over arrays (8 parameters whatever the batch
# size, JSON sent as the text we already serialised). Items whose content is unchanged never reach
# the INSERT: ON CONFLICT would lock (and so write) their rows even when its WHERE refuses them.
# The stored rows are found by one unique-index probe per item (LATERAL; its LIMIT keeps the
# planner from flattening it into a join), a plan that does not depend on the table's statistics:
# a join or ANY() was planned as a scan of all the connection's rows until ANALYZE caught up.
_HELD = "records.status IN ('sending', 'uncertain')"
_UPSERT_ARRAYS = text(
    f"""
    WITH input AS (
        SELECT * FROM unnest(CAST(:ids AS varchar[]), CAST(:external_ids AS varchar[]),
                             CAST(:payloads AS json[]), CAST(:hashes AS varchar[]),
                             CAST(:source_keys AS json[]), CAST(:voided AS boolean[]))
             AS u(id, external_id, payload, payload_hash, source_keys, voided)
    ),
    stored AS (
        SELECT r.id, r.external_id, r.version, r.payload_hash
        FROM input CROSS JOIN LATERAL (
            SELECT id, external_id, version, payload_hash FROM records
            WHERE connection_id = :connection_id AND kind = :kind
              AND external_id = input.external_id
            LIMIT 1
        ) AS r
    ),
    written AS (
        INSERT INTO records (id, connection_id, kind, external_id, payload, payload_hash,
                             source_keys, version, status, attempts, errors, voided,
                             created_at, updated_at)
        SELECT input.id, :connection_id, :kind, input.external_id, input.payload,
               input.payload_hash, input.source_keys, 1, 'pending', 0, CAST('[]' AS json),
               input.voided, :now, :now
        FROM input LEFT JOIN stored ON stored.external_id = input.external_id
        WHERE stored.id IS NULL OR stored.payload_hash <> input.payload_hash
        ON CONFLICT (connection_id, kind, external_id) DO UPDATE SET
            payload = excluded.payload,
            payload_hash = excluded.payload_hash,
            source_keys = excluded.source_keys,
            voided = excluded.voided,
            version = records.version + 1,
            status = CASE WHEN {_HELD} THEN records.status ELSE 'pending' END,
            attempts = CASE WHEN {_HELD} THEN records.attempts ELSE 0 END,
            errors = CASE WHEN {_HELD} THEN records.errors ELSE CAST('[]' AS json) END,
            blocked_reason = CASE WHEN {_HELD} THEN records.blocked_reason END,
            next_attempt_at = CASE WHEN {_HELD} THEN records.next_attempt_at END,
            updated_at = excluded.updated_at
        WHERE records.payload_hash <> excluded.payload_hash
        RETURNING records.id, records.external_id, records.version
    )
    SELECT id, external_id, version, true AS changed FROM written
    UNION ALL
    SELECT stored.id, stored.external_id, stored.version, false
    FROM stored JOIN input ON input.external_id = stored.external_id
    WHERE stored.payload_hash = input.payload_hash
    """  # noqa: S608  (only the constant _HELD is formatted in; values are bound)
).bindparams(bindparam("now", type_=UTCDateTime()))


async def _upsert_postgres(
    session: AsyncSession,
    connection_id: str,
    kind: str,
    items: Sequence[RecordInput],
    now: datetime,
) -> Written:
    result = await session.execute(
        _UPSERT_ARRAYS,
        {
            "connection_id": connection_id,
            "kind": kind,
            "now": now,
            "ids": [new_record_id() for _ in items],
            "external_ids": [item.external_id for item in items],
            "payloads": [orjson.dumps(item.payload).decode() for item in items],
            "hashes": [item.payload_hash for item in items],
            "source_keys": [orjson.dumps(item.source_keys).decode() for item in items],
            "voided": [item.voided for item in items],
        },
    )
    return {row.external_id: (row.id, row.version, bool(row.changed)) for row in result}


async def _upsert_portable(
    session: AsyncSession,
    connection_id: str,
    kind: str,
    items: Sequence[RecordInput],
    now: datetime,
) -> Written:
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
    statement = sqlite.insert(Record)
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
    return {row.external_id: (row.id, row.version, True) for row in result}


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
