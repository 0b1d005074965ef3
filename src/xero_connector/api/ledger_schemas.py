"""Request and response bodies of the ingestion and outbox routes.

An ingestion body is checked for its shape only (``{items: [...]}``, 1 to 1,000 items): each item
is then validated on its own, so one bad item is rejected without refusing the others. The
OpenAPI document still names each item's schema (``api/openapi.py`` adds them).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from xero_connector.api.schemas import UtcDatetime
from xero_connector.connections.paging import Page
from xero_connector.db.models import Record
from xero_connector.ledger.ingest import MAX_ITEMS, ItemResult
from xero_connector.ledger.schemas import BankTransactionIn, ContactIn, InvoiceIn

ITEM_MODELS = (ContactIn, InvoiceIn, BankTransactionIn)
RecordStatus = Literal["pending", "blocked", "sending", "synced", "failed", "uncertain"]
RecordKind = Literal["contact", "invoice", "bank_transaction"]


def _items_schema(model: type[BaseModel]) -> dict[str, Any]:
    return {
        "type": "array",
        "minItems": 1,
        "maxItems": MAX_ITEMS,
        "items": {"$ref": f"#/components/schemas/{model.__name__}"},
    }


ContactItems = Annotated[
    list[Any], Field(min_length=1, max_length=MAX_ITEMS), WithJsonSchema(_items_schema(ContactIn))
]
InvoiceItems = Annotated[
    list[Any], Field(min_length=1, max_length=MAX_ITEMS), WithJsonSchema(_items_schema(InvoiceIn))
]
BankTransactionItems = Annotated[
    list[Any],
    Field(min_length=1, max_length=MAX_ITEMS),
    WithJsonSchema(_items_schema(BankTransactionIn)),
]


class ContactBatch(BaseModel):
    """Contacts to upsert by ``external_id``."""

    model_config = ConfigDict(extra="forbid")
    items: ContactItems


class InvoiceBatch(BaseModel):
    """Sales invoices and bills to upsert by ``external_id``."""

    model_config = ConfigDict(extra="forbid")
    items: InvoiceItems


class BankTransactionBatch(BaseModel):
    """Bank transactions to upsert by ``external_id``."""

    model_config = ConfigDict(extra="forbid")
    items: BankTransactionItems


class ItemErrorOut(BaseModel):
    loc: list[str | int]
    message: str


class ItemResultOut(BaseModel):
    """What happened to one item, in input order."""

    external_id: str | None
    record_id: str | None
    result: Literal["accepted", "unchanged", "rejected"]
    version: int | None
    errors: list[ItemErrorOut]

    @classmethod
    def of(cls, result: ItemResult) -> dict[str, Any]:
        """As a plain dict (the route answers 1,000 of them: no second validation pass)."""
        return {
            "external_id": result.external_id,
            "record_id": result.record_id,
            "result": result.result,
            "version": result.version,
            "errors": [{"loc": e.loc, "message": e.message} for e in result.errors],
        }


class IngestResponse(BaseModel):
    items: list[ItemResultOut]


class RecordOut(BaseModel):
    """One outbox record: its Xero id once synced, attempts and the latest errors."""

    id: str
    kind: RecordKind
    external_id: str
    status: RecordStatus
    version: int
    xero_id: str | None
    attempts: int
    errors: list[str]
    blocked_reason: str | None
    synced_at: UtcDatetime | None
    updated_at: UtcDatetime

    @classmethod
    def of(cls, record: Record) -> RecordOut:
        return cls(
            id=record.id,
            kind=record.kind,
            external_id=record.external_id,
            status=record.status,
            version=record.version,
            xero_id=record.xero_id,
            attempts=record.attempts,
            errors=list(record.errors or []),
            blocked_reason=record.blocked_reason,
            synced_at=record.synced_at,
            updated_at=record.updated_at,
        )


class RecordPage(BaseModel):
    """A page of records in ingestion order; pass ``next_cursor`` as ``cursor`` for the next."""

    items: list[RecordOut]
    next_cursor: str | None

    @classmethod
    def of(cls, page: Page[Record]) -> RecordPage:
        return cls(items=[RecordOut.of(r) for r in page.items], next_cursor=page.next_cursor)


class PreviewOut(BaseModel):
    """What the record would be sent as now: ``ready`` with the element, ``blocked`` with the
    reason, or ``not_sent`` (nothing is owed to Xero, e.g. voided before it reached Xero)."""

    record_id: str
    version: int
    outcome: Literal["ready", "blocked", "not_sent"]
    resource: str | None = Field(None, description="Contacts, Invoices or BankTransactions.")
    method: Literal["PUT", "POST"] | None = None
    element: dict[str, Any] | None = Field(None, description="The Xero element, as sent.")
    reason: str | None = None
    waiting_for_contact: str | None = None
