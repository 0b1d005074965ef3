"""Claiming records into batches (written before sending) and settling what Xero answered.

A batch is prepared in one transaction: its records are claimed (``sending``), translated
(blocked ones set aside), split into creates (PUT) and updates (POST, carrying the stored Xero
id), and each part is written as a ``sync_batches`` row with its members, the sha256 of its body
and the Idempotency-Key derived from both. Only after that commit is anything sent.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.base import new_id
from xero_connector.db.models import Record, SyncBatch
from xero_connector.db.repos import record_sync, records, sync_batches
from xero_connector.ledger.translate import Blocked, NotSent, XeroPayload
from xero_connector.sync.keys import RESOURCES
from xero_connector.sync.port import ElementResult, Method
from xero_connector.sync.translation import Translate, contact_reference

MAX_BODY_BYTES = 3_400_000  # Xero's 3.5 MB, with room for the envelope
VOID_STATUSES = ("VOIDED", "DELETED")


@dataclass
class Tally:
    """Records a slice settled, by kind and outcome (``synced``, ``failed``, ``blocked``)."""

    counts: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, kind: str, outcome: str, n: int = 1) -> None:
        if n:
            self.counts[(kind, outcome)] += n

    def merge(self, other: Tally) -> None:
        self.counts.update(other.counts)

    @property
    def done(self) -> int:
        return sum(self.counts.values())

    def failures(self) -> int:
        return sum(n for (_, outcome), n in self.counts.items() if outcome != "synced")


@dataclass(frozen=True)
class Prepared:
    """A batch row written and committed, and the elements to send in member order."""

    batch: SyncBatch
    elements: list[dict[str, Any]]


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def encode(value: Any) -> bytes:
    return orjson.dumps(value, default=_json_default, option=orjson.OPT_SORT_KEYS)


def idempotency_key(
    connection_id: str, kind: str, method: str, members: list[Any], body: str
) -> str:
    """Deterministic from what the batch row holds: the same batch always has the same key."""
    material = encode([connection_id, kind, method, members, body])
    return "xc-" + hashlib.sha256(material).hexdigest()


async def prepare(
    session: AsyncSession,
    *,
    run_id: str,
    connection_id: str,
    kind: str,
    translate: Translate,
    batch_size: int,
    now: datetime,
    tally: Tally,
    after: str | None = None,
) -> list[Prepared] | None:
    """Claim and write up to one page of ``kind`` as batches; None when nothing is pending
    (with ``after``: nothing whose id is greater).

    The caller commits. Records that need nothing sent (a void that never reached Xero) are
    settled as synced; untranslatable ones are blocked; both are counted in ``tally``.
    """
    claim_id = new_id()
    claimed = await record_sync.claim(
        session,
        connection_id=connection_id,
        kind=kind,
        batch_id=claim_id,
        limit=batch_size,
        now=now,
        after=after,
    )
    if not claimed:
        return None
    contacts = await records.contact_xero_ids(
        session,
        connection_id=connection_id,
        external_ids=[ref for r in claimed if (ref := contact_reference(r)) is not None],
    )
    groups: dict[Method, list[tuple[Record, XeroPayload]]] = {"PUT": [], "POST": []}
    for record in claimed:
        result = translate(record, contacts)
        if isinstance(result, NotSent):  # e.g. voided before it ever reached Xero
            await record_sync.settle_synced(
                session, record.id, batch_id=claim_id, version=record.version, xero_id=None, now=now
            )
            tally.add(kind, "synced")
        elif isinstance(result, Blocked):
            await record_sync.settle_blocked(
                session, record.id, batch_id=claim_id, reason=result.reason, now=now
            )
            tally.add(kind, "blocked")
        else:
            groups[result.method].append((record, result))
    prepared: list[Prepared] = []
    for method, members in groups.items():
        if not members:
            continue
        batch_id = claim_id
        if prepared:  # the claim held both creates and updates: the second part is its own batch
            batch_id = new_id()
            await record_sync.move(
                session, [r.id for r, _ in members], from_batch=claim_id, to_batch=batch_id
            )
        prepared.append(
            await _write_batch(session, run_id, connection_id, kind, method, batch_id, members, now)
        )
    return prepared


async def _write_batch(
    session: AsyncSession,
    run_id: str,
    connection_id: str,
    kind: str,
    method: Method,
    batch_id: str,
    members: list[tuple[Record, XeroPayload]],
    now: datetime,
) -> Prepared:
    collection = RESOURCES[kind][1]
    while True:
        body = encode({collection: [payload.element for _, payload in members]})
        if len(body) <= MAX_BODY_BYTES or len(members) == 1:
            break
        keep = len(members) // 2  # too big: the rest go back to pending for a later batch
        await record_sync.release(
            session, batch_id, now=now, record_ids=[r.id for r, _ in members[keep:]]
        )
        members = members[:keep]
    rows = [
        {
            "id": record.id,
            "v": record.version,
            "f": payload.search.field,
            "k": payload.search.value,
            "exact": payload.search.exact,
            "x": record.xero_id,
            "void": str(payload.element.get("Status", "")).upper() in VOID_STATUSES,
            "type": payload.element.get("Type"),
        }
        for record, payload in members
    ]
    body_hash = hashlib.sha256(body).hexdigest()
    batch = SyncBatch(
        id=batch_id,
        run_id=run_id,
        connection_id=connection_id,
        kind=kind,
        method=method,
        members=rows,
        body_hash=body_hash,
        idempotency_key=idempotency_key(connection_id, kind, method, rows, body_hash),
        status="sending",
        created_at=now,
    )
    await sync_batches.add_batch(session, batch)
    return Prepared(batch, [payload.element for _, payload in members])


async def settle_results(
    session: AsyncSession, batch: SyncBatch, results: list[ElementResult], *, now: datetime
) -> Tally:
    """Store Xero's per-element answer: ids of the good ones, messages of the refused ones."""
    tally = Tally()
    if len(results) != len(batch.members):  # cannot be matched: treat as lost
        raise ValueError("Xero answered a different number of elements than were sent")
    synced: list[tuple[str, int, str | None]] = []
    for member, result in zip(batch.members, results, strict=True):
        if result.status != "error":
            synced.append((member["id"], member["v"], result.xero_id))
            continue
        messages = result.messages or ["Xero refused the element without a message"]
        if await record_sync.settle_failed(
            session,
            member["id"],
            batch_id=batch.id,
            version=member["v"],
            messages=messages,
            now=now,
        ):
            tally.add(batch.kind, "failed")
    settled = await record_sync.settle_many_synced(session, synced, batch_id=batch.id, now=now)
    if settled < len(synced):  # some were taken from the batch: keep their Xero ids one by one
        for record_id, version, xero_id in synced:
            settled += await record_sync.settle_synced(
                session, record_id, batch_id=batch.id, version=version, xero_id=xero_id, now=now
            )
    tally.add(batch.kind, "synced", settled)
    await sync_batches.set_status(session, batch.id, "done", now=now)
    return tally


async def fail_all(
    session: AsyncSession, batch: SyncBatch, messages: list[str], *, now: datetime
) -> Tally:
    """Xero refused the whole request: every member failed with its messages."""
    tally = Tally()
    for member in batch.members:
        if await record_sync.settle_failed(
            session,
            member["id"],
            batch_id=batch.id,
            version=member["v"],
            messages=messages,
            now=now,
        ):
            tally.add(batch.kind, "failed")
    await sync_batches.set_status(session, batch.id, "done", now=now, error="; ".join(messages))
    return tally


async def release_unsent(
    session: AsyncSession, batch: SyncBatch, *, now: datetime, reason: str
) -> None:
    """Nothing of the batch reached Xero: its records are pending again, the batch released."""
    await record_sync.release(session, batch.id, now=now)
    await sync_batches.set_status(session, batch.id, "released", now=now, error=reason)


async def lose(session: AsyncSession, batch: SyncBatch, *, now: datetime) -> None:
    """The answer was lost: the batch and its records are uncertain until reconciled."""
    await record_sync.mark_uncertain(session, batch.id, now=now)
    await sync_batches.set_status(session, batch.id, "uncertain", now=now, error="answer lost")
