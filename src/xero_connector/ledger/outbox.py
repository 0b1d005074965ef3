"""The outbox view: pages of records, one record, its preview, and retrying a failed one."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.connections.paging import Page
from xero_connector.db.models import Record
from xero_connector.db.repos import records as repo
from xero_connector.errors import Conflict, InvalidInput, NotFound
from xero_connector.ledger.sync_request import SyncRequest
from xero_connector.ledger.translate import (
    MappingLookup,
    OrganisationLike,
    Translation,
    translate,
)


class ConnectionMappings(MappingLookup, Protocol):
    """A connection's mappings with its organisation (``mappings.resolver.MappingResolver``)."""

    @property
    def organisation(self) -> OrganisationLike: ...


MappingsLoader = Callable[[AsyncSession, str], Awaitable[ConnectionMappings]]


def encode_cursor(record_id: str) -> str:
    return base64.urlsafe_b64encode(record_id.encode()).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> str:
    """The record id a cursor names; 422 for anything we did not hand out."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput("cursor is not valid") from exc
    if len(raw) != 36:
        raise InvalidInput("cursor is not valid")
    return raw


async def list_records(
    session: AsyncSession,
    *,
    connection_id: str,
    kind: str | None,
    status: str | None,
    external_id: str | None,
    cursor: str | None,
    limit: int,
) -> Page[Record]:
    """One page of the connection's records in ingestion order."""
    rows = list(
        await repo.list_records(
            session,
            connection_id=connection_id,
            kind=kind,
            status=status,
            external_id=external_id,
            after=decode_cursor(cursor) if cursor else None,
            limit=limit + 1,
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(items=rows, next_cursor=encode_cursor(rows[-1].id) if more and rows else None)


async def get_record(session: AsyncSession, *, connection_id: str, record_id: str) -> Record:
    """The connection's record; 404 for an unknown one or another connection's."""
    record = await repo.get_record(session, connection_id=connection_id, record_id=record_id)
    if record is None:
        raise NotFound("no such record")
    return record


async def preview(
    session: AsyncSession, record: Record, load_mappings: MappingsLoader
) -> Translation:
    """What ``record`` would be sent as now, through the connection's current mappings."""
    mappings = await load_mappings(session, record.connection_id)
    contact = record.payload.get("contact_external_id")
    contact_ids = await repo.contact_xero_ids(
        session,
        connection_id=record.connection_id,
        external_ids=[contact] if isinstance(contact, str) else [],
    )
    return translate(record, mappings, contact_ids, mappings.organisation)


async def retry(session: AsyncSession, record: Record, request_sync: SyncRequest) -> Record:
    """Put a ``failed`` record back to ``pending`` as it is and ask for a sync; 409 otherwise."""
    if record.status != "failed" or not await repo.mark_for_retry(
        session, connection_id=record.connection_id, record_id=record.id
    ):
        raise Conflict(f"only a failed record can be retried; this one is {record.status}")
    await request_sync(session, record.connection_id, trigger="retry")
    await session.refresh(record)
    return record
