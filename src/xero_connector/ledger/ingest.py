"""Ingestion: validate each item on its own, upsert the good ones in one statement.

A bad item is ``rejected`` with its field errors and the others still go in; an external id given
twice in one batch is rejected the second time (which content wins would be a guess). The same
content as stored is ``unchanged`` (no new version, nothing to send); new or changed content is
``accepted`` with its new version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.repos.records import RecordInput, upsert_many
from xero_connector.ledger.normalise import to_record_input
from xero_connector.ledger.schemas import MODELS
from xero_connector.ledger.sync_request import SyncRequest

MAX_ITEMS = 1000

Loc = list[str | int]


@dataclass(frozen=True)
class FieldError:
    """Where in the item (``["lines", 0, "unit_amount"]``) and what is wrong."""

    loc: Loc
    message: str


@dataclass(frozen=True)
class ItemResult:
    external_id: str | None
    record_id: str | None
    result: Literal["accepted", "unchanged", "rejected"]
    version: int | None
    errors: list[FieldError] = field(default_factory=list)


def _message(error: Any) -> str:
    message = str(error.get("msg", "invalid"))
    return message.removeprefix("Value error, ")


def _external_id_of(raw: object) -> str | None:
    if isinstance(raw, dict):
        value = raw.get("external_id")
        if isinstance(value, str):
            return value
    return None


def validate_item(kind: str, raw: object) -> RecordInput | list[FieldError]:
    """The item normalised for the outbox, or its field errors."""
    try:
        item = MODELS[kind].model_validate(raw)
    except ValidationError as exc:
        return [
            FieldError(loc=list(error.get("loc", ())), message=_message(error))
            for error in exc.errors(include_url=False, include_input=False)
        ]
    return to_record_input(item)


async def ingest(
    session: AsyncSession,
    *,
    connection_id: str,
    kind: str,
    raw_items: Sequence[object],
    request_sync: SyncRequest,
) -> list[ItemResult]:
    """Upsert ``raw_items`` (at most ``MAX_ITEMS``) as records of ``kind``; results in input order.

    Asks for a sync when anything was accepted. The caller commits.
    """
    assert len(raw_items) <= MAX_ITEMS
    checked: list[RecordInput | list[FieldError]] = []
    seen: set[str] = set()
    for raw in raw_items:
        outcome = validate_item(kind, raw)
        if isinstance(outcome, RecordInput):
            if outcome.external_id in seen:
                outcome = [FieldError(["external_id"], "appears more than once in this batch")]
            else:
                seen.add(outcome.external_id)
        checked.append(outcome)
    good = [outcome for outcome in checked if isinstance(outcome, RecordInput)]
    upserted = iter(await upsert_many(session, connection_id=connection_id, kind=kind, items=good))
    results: list[ItemResult] = []
    accepted = False
    for raw, outcome in zip(raw_items, checked, strict=True):
        if isinstance(outcome, list):
            results.append(ItemResult(_external_id_of(raw), None, "rejected", None, outcome))
            continue
        done = next(upserted)
        accepted = accepted or done.changed
        result: Literal["accepted", "unchanged"] = "accepted" if done.changed else "unchanged"
        results.append(ItemResult(done.external_id, done.record_id, result, done.version))
    if accepted:
        await request_sync(session, connection_id, trigger="ingest")
    return results
