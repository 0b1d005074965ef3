"""Reconciling a batch whose answer was lost: look in Xero before sending anything again.

Creates (PUT) are looked up by the key of ours each document carries (``sync.keys``), so a
resend can never duplicate, however long ago Xero forgot the Idempotency-Key:

- exactly one document carries the key (of the same type): it is ours, stored as synced;
- none: the create never happened; the record is pending again and goes in a new batch;
- several: we cannot tell which is ours; the record fails with that message and is not resent.

Updates (POST with the stored Xero id) cannot duplicate: resending them sets the same content
again, so they are pending again; only a void (which Xero refuses to repeat) is checked first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.models import SyncBatch
from xero_connector.db.repos import record_sync, sync_batches
from xero_connector.sync.batches import VOID_STATUSES, Tally
from xero_connector.sync.keys import RESOURCES, carries, member_key, where_any
from xero_connector.sync.port import TenantPort

NO_KEY = (
    "Xero's answer was lost and this record carries no key Xero can be searched by: check "
    "Xero for it before retrying"
)


async def find_evidence(port: TenantPort, batch: SyncBatch) -> list[dict[str, Any]]:
    """What Xero holds for the batch: the documents carrying its members' keys (creates), or
    the voided documents by Xero id (updates)."""
    if batch.method == "POST":
        ids = [m["x"] for m in batch.members if m["void"] and m["x"]]
        return await port.find(batch.kind, ids=ids) if ids else []
    keys = [key for m in batch.members if (key := member_key(batch.kind, m)) is not None]
    return await port.find(batch.kind, where=where_any(keys)) if keys else []


async def settle_lost(
    session: AsyncSession,
    batch: SyncBatch,
    evidence: list[dict[str, Any]],
    *,
    now: datetime,
) -> tuple[Tally, int]:
    """Settle an uncertain batch from ``evidence``; the tally and how many records to resend."""
    tally = Tally()
    resend: list[str] = []
    id_field = RESOURCES[batch.kind][2]
    for member in batch.members:
        if batch.method == "POST":
            xero_id = str(member["x"]).lower()
            voided = [
                doc
                for doc in evidence
                if str(doc.get(id_field, "")).lower() == xero_id
                and str(doc.get("Status", "")).upper() in VOID_STATUSES
            ]
            if member["void"] and voided:
                if await _synced(session, batch, member, member["x"], now):
                    tally.add(batch.kind, "synced")
            else:
                resend.append(member["id"])
            continue
        key = member_key(batch.kind, member)
        if key is None:
            if await _failed(session, batch, member, [NO_KEY], now):
                tally.add(batch.kind, "failed")
            continue
        docs = [
            doc
            for doc in evidence
            if carries(doc, key)
            and (member.get("type") is None or doc.get("Type") in (None, member["type"]))
        ]
        if len(docs) == 1:
            if await _synced(session, batch, member, str(docs[0].get(id_field)), now):
                tally.add(batch.kind, "synced")
        elif not docs:
            resend.append(member["id"])
        else:
            message = (
                f"Xero's answer was lost and {len(docs)} documents in Xero carry "
                f"{key.field} '{key.value}': the connector cannot tell which one is this "
                "record, so it does not send it again. Remove the extra ones in Xero, then retry."
            )
            if await _failed(session, batch, member, [message], now):
                tally.add(batch.kind, "failed")
    if resend:
        await record_sync.release(session, batch.id, now=now, record_ids=resend)
    await sync_batches.set_status(session, batch.id, "reconciled", now=now, expected=("uncertain",))
    return tally, len(resend)


async def _synced(
    session: AsyncSession, batch: SyncBatch, member: dict[str, Any], xero_id: str, now: datetime
) -> bool:
    return await record_sync.settle_synced(
        session, member["id"], batch_id=batch.id, version=member["v"], xero_id=xero_id, now=now
    )


async def _failed(
    session: AsyncSession,
    batch: SyncBatch,
    member: dict[str, Any],
    messages: list[str],
    now: datetime,
) -> bool:
    return await record_sync.settle_failed(
        session, member["id"], batch_id=batch.id, version=member["v"], messages=messages, now=now
    )
