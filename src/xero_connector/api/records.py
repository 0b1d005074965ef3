"""The outbox view: ``GET .../records``, one record, its preview, and retrying a failed one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from xero_connector.api.deps import CallerDep, SessionDep
from xero_connector.api.ledger_deps import MappingsLoaderDep, SyncRequestDep
from xero_connector.api.ledger_schemas import (
    PreviewOut,
    RecordKind,
    RecordOut,
    RecordPage,
    RecordStatus,
)
from xero_connector.api.problems import PROBLEM_JSON
from xero_connector.api.scope import NOT_FOUND, ConnectionInScope
from xero_connector.auth.policy import Action
from xero_connector.ledger import outbox
from xero_connector.ledger.translate import Blocked, NotSent

router = APIRouter(prefix="/v1/connections/{connection_id}/records", tags=["records"])

_NOT_FOUND = "No such connection or record, or one of a workspace the caller may not see."
_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": _NOT_FOUND, "content": {PROBLEM_JSON: {}}}
}


@router.get(
    "",
    response_model=RecordPage,
    responses={404: {"description": NOT_FOUND, "content": {PROBLEM_JSON: {}}}},
)
async def list_records(
    connection: ConnectionInScope,
    caller: CallerDep,
    session: SessionDep,
    kind: RecordKind | None = None,
    status: RecordStatus | None = None,
    external_id: Annotated[str | None, Query(min_length=1, max_length=255)] = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> RecordPage:
    """The connection's records in ingestion order, filtered by kind, status or external id."""
    caller.require(Action.READ)
    page = await outbox.list_records(
        session,
        connection_id=connection.id,
        kind=kind,
        status=status,
        external_id=external_id,
        cursor=cursor,
        limit=limit,
    )
    return RecordPage.of(page)


@router.get("/{record_id}", response_model=RecordOut, responses=_RESPONSES)
async def read_record(
    connection: ConnectionInScope, record_id: str, caller: CallerDep, session: SessionDep
) -> RecordOut:
    """One record with its Xero id, attempts and latest errors."""
    caller.require(Action.READ)
    record = await outbox.get_record(session, connection_id=connection.id, record_id=record_id)
    return RecordOut.of(record)


@router.get("/{record_id}/preview", response_model=PreviewOut, responses=_RESPONSES)
async def preview_record(
    connection: ConnectionInScope,
    record_id: str,
    caller: CallerDep,
    session: SessionDep,
    load_mappings: MappingsLoaderDep,
) -> PreviewOut:
    """The exact Xero element the record would be sent as now, or why it is not sent."""
    caller.require(Action.READ)
    record = await outbox.get_record(session, connection_id=connection.id, record_id=record_id)
    result = await outbox.preview(session, record, load_mappings)
    base = {"record_id": record.id, "version": record.version}
    if isinstance(result, Blocked):
        return PreviewOut(
            **base, outcome="blocked", reason=result.reason, waiting_for_contact=result.waiting_for
        )
    if isinstance(result, NotSent):
        return PreviewOut(**base, outcome="not_sent", reason=result.reason)
    return PreviewOut(
        **base,
        outcome="ready",
        resource=result.resource,
        method=result.method,
        element=result.element,
    )


@router.post(
    "/{record_id}/retry",
    response_model=RecordOut,
    responses=_RESPONSES
    | {409: {"description": "The record is not failed", "content": {PROBLEM_JSON: {}}}},
)
async def retry_record(
    connection: ConnectionInScope,
    record_id: str,
    caller: CallerDep,
    session: SessionDep,
    request_sync: SyncRequestDep,
) -> RecordOut:
    """Send a failed record again as it is (after a fix in Xero): it is pending again and a
    sync is requested. 409 unless the record is failed. Any role that may start a sync."""
    caller.require(Action.SYNC)
    record = await outbox.get_record(session, connection_id=connection.id, record_id=record_id)
    return RecordOut.of(await outbox.retry(session, record, request_sync))
