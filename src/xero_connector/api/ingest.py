"""``POST /v1/connections/{id}/contacts|invoices|bank-transactions``: upsert into the outbox."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Response
from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.api.deps import CallerDep, SessionDep
from xero_connector.api.ledger_deps import SyncRequestDep
from xero_connector.api.ledger_schemas import (
    BankTransactionBatch,
    ContactBatch,
    IngestResponse,
    InvoiceBatch,
    ItemResultOut,
)
from xero_connector.api.problems import PROBLEM_JSON
from xero_connector.api.scope import NOT_FOUND, ConnectionInScope
from xero_connector.auth.caller import Caller
from xero_connector.auth.policy import Action
from xero_connector.db.models import Connection
from xero_connector.errors import Conflict
from xero_connector.ledger.ingest import ingest
from xero_connector.ledger.sync_request import SyncRequest

router = APIRouter(prefix="/v1/connections/{connection_id}", tags=["records"])

_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": NOT_FOUND, "content": {PROBLEM_JSON: {}}},
    409: {"description": "The connection is disconnected", "content": {PROBLEM_JSON: {}}},
}

_DOC = (
    "Upsert up to 1,000 {what} by `external_id`, each validated on its own: one result per item "
    "in input order, `accepted` (new, or a new version), `unchanged` (same content: no new "
    "version, nothing to send) or `rejected` with its field errors. A body that is not "
    "`{{items: [...]}}` with 1 to 1,000 items is 422 and stores nothing. Service role only."
)


async def _ingest(
    kind: str,
    connection: Connection,
    items: list[Any],
    caller: Caller,
    session: AsyncSession,
    request_sync: SyncRequest,
) -> Response:
    if connection.status == "disconnected":
        raise Conflict("the connection is disconnected; connect the organisation again first")
    results = await ingest(
        session,
        connection_id=connection.id,
        kind=kind,
        raw_items=items,
        request_sync=request_sync,
    )
    return Response(
        orjson.dumps({"items": [ItemResultOut.of(result) for result in results]}),
        media_type="application/json",
    )


@router.post(
    "/contacts",
    response_model=IngestResponse,
    responses=_RESPONSES,
    description=_DOC.format(what="contacts"),
)
async def ingest_contacts(
    connection: ConnectionInScope,
    body: ContactBatch,
    caller: CallerDep,
    session: SessionDep,
    request_sync: SyncRequestDep,
) -> Response:
    caller.require(Action.INGEST)
    return await _ingest("contact", connection, body.items, caller, session, request_sync)


@router.post(
    "/invoices",
    response_model=IngestResponse,
    responses=_RESPONSES,
    description=_DOC.format(what="sales invoices and bills"),
)
async def ingest_invoices(
    connection: ConnectionInScope,
    body: InvoiceBatch,
    caller: CallerDep,
    session: SessionDep,
    request_sync: SyncRequestDep,
) -> Response:
    caller.require(Action.INGEST)
    return await _ingest("invoice", connection, body.items, caller, session, request_sync)


@router.post(
    "/bank-transactions",
    response_model=IngestResponse,
    responses=_RESPONSES,
    description=_DOC.format(what="bank transactions"),
)
async def ingest_bank_transactions(
    connection: ConnectionInScope,
    body: BankTransactionBatch,
    caller: CallerDep,
    session: SessionDep,
    request_sync: SyncRequestDep,
) -> Response:
    caller.require(Action.INGEST)
    return await _ingest("bank_transaction", connection, body.items, caller, session, request_sync)
