"""Batch writes: the body split to fit Xero's 3.5 MB, and one typed outcome per element.

Xero answers a ``summarizeErrors=false`` batch with 200 and every element echoed back with its
``StatusAttributeString`` (OK, WARNING or ERROR), ``ValidationErrors`` and ``Warnings``; an
element's Xero id is in ``<Singular>ID`` (``InvoiceID``, ``ContactID``, ``BankTransactionID``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import orjson

MAX_BODY_BYTES = 3_500_000
MAX_IDEMPOTENCY_KEY = 128
NIL_ID = "00000000-0000-0000-0000-000000000000"

OutcomeStatus = Literal["ok", "warning", "error"]


@dataclass(frozen=True, slots=True)
class ElementOutcome:
    """What Xero did with one element of a batch, in the order sent."""

    status: OutcomeStatus
    xero_id: str | None
    messages: list[str] = field(default_factory=list)
    element: dict[str, Any] = field(default_factory=dict)


class MalformedAnswer(ValueError):
    """Xero's answer to a batch cannot be matched to the elements sent."""


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        # JSON numbers, as Xero expects; amounts of 2-4 decimals round-trip exactly.
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def encode(value: Any) -> bytes:
    return orjson.dumps(value, default=_default)


def id_field(collection_key: str) -> str:
    """``Invoices`` -> ``InvoiceID``; ``BankTransactions`` -> ``BankTransactionID``."""
    singular = collection_key[:-1] if collection_key.endswith("s") else collection_key
    return f"{singular}ID"


@dataclass(frozen=True, slots=True)
class Chunk:
    """Elements ``start .. start+len(body elements)`` and the encoded request body."""

    start: int
    count: int
    body: bytes


def chunk_elements(
    collection_key: str, elements: Sequence[Mapping[str, Any]], *, limit: int = MAX_BODY_BYTES
) -> tuple[list[Chunk], dict[int, str]]:
    """Bodies of at most ``limit`` bytes, in order, and the elements too large to send alone
    (index -> reason); those are left out of every chunk."""
    head = b'{"' + collection_key.encode() + b'":['
    tail = b"]}"
    chunks: list[Chunk] = []
    refused: dict[int, str] = {}
    parts: list[bytes] = []
    indexes: list[int] = []
    size = len(head) + len(tail)

    def flush() -> None:
        nonlocal parts, indexes, size
        if parts:
            # A refused element flushes first, so a chunk always holds consecutive elements.
            chunks.append(Chunk(indexes[0], len(parts), head + b",".join(parts) + tail))
        parts, indexes, size = [], [], len(head) + len(tail)

    for index, element in enumerate(elements):
        part = encode(dict(element))
        if len(head) + len(part) + len(tail) > limit:
            flush()
            refused[index] = f"the element is {len(part)} bytes; Xero takes at most {limit}"
            continue
        added = len(part) + (1 if parts else 0)
        if size + added > limit:
            flush()
            added = len(part)
        parts.append(part)
        indexes.append(index)
        size += added
    flush()
    return chunks, refused


def chunk_key(idempotency_key: str, index: int, total: int) -> str:
    """The Idempotency-Key of chunk ``index``: the caller's own when the batch is one chunk."""
    if total == 1:
        return idempotency_key
    base = idempotency_key
    suffix = f":{index + 1}/{total}"
    if len(base) + len(suffix) > MAX_IDEMPOTENCY_KEY:
        base = hashlib.sha256(idempotency_key.encode()).hexdigest()
    return base + suffix


def _messages(items: Any) -> list[str]:
    if not isinstance(items, list):
        return []
    return [
        str(item["Message"]) for item in items if isinstance(item, dict) and item.get("Message")
    ]


def parse_outcomes(body: Any, collection_key: str, sent: int) -> list[ElementOutcome]:
    """One outcome per element sent; raises MalformedAnswer when the answer does not match."""
    items = body.get(collection_key) if isinstance(body, dict) else None
    if not isinstance(items, list) or len(items) != sent:
        found = len(items) if isinstance(items, list) else "no"
        raise MalformedAnswer(f"Xero answered {found} {collection_key} for {sent} sent")
    key = id_field(collection_key)
    outcomes = []
    for item in items:
        if not isinstance(item, dict):
            raise MalformedAnswer(f"an element of {collection_key} is not an object")
        errors = _messages(item.get("ValidationErrors"))
        warnings = _messages(item.get("Warnings"))
        flag = str(item.get("StatusAttributeString") or ("ERROR" if errors else "OK")).upper()
        status: OutcomeStatus = (
            "error" if flag == "ERROR" else "warning" if flag == "WARNING" or warnings else "ok"
        )
        raw_id = item.get(key)
        xero_id = str(raw_id) if raw_id and str(raw_id) != NIL_ID else None
        if status != "error" and xero_id is None:
            raise MalformedAnswer(f"an accepted element of {collection_key} has no {key}")
        outcomes.append(ElementOutcome(status, xero_id, errors + warnings, item))
    return outcomes
