"""A validated item as the outbox stores it: normalised payload, content hash, mapping keys.

The payload is the item dumped to JSON types with ``None`` fields left out and amounts as canonical
decimal strings, so equal content always has equal bytes; ``payload_hash`` is the sha256 of those
bytes with sorted keys. ``source_keys`` are the ``"<mapping kind>:<source key>"`` strings the record
needs mapped (``db/repos/source_keys.py`` counts them); a voided record needs none.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from xero_connector.db.repos.records import RecordInput
from xero_connector.ledger.schemas import BankTransactionIn, ContactIn, InvoiceIn, LineIn


def payload_hash(payload: dict[str, Any]) -> str:
    """sha256 (hex) of the canonical JSON of ``payload``."""
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _line_keys(lines: list[LineIn]) -> set[str]:
    keys: set[str] = set()
    for line in lines:
        keys.add(f"account:{line.category}")
        if line.tax_code is not None:
            keys.add(f"tax:{line.tax_code}")
        keys.update(f"tracking:{dimension}:{value}" for dimension, value in line.tracking.items())
    return keys


def source_keys(item: ContactIn | InvoiceIn | BankTransactionIn) -> list[str]:
    """The mapping keys ``item`` uses, sorted (none for a contact or a voided document)."""
    if isinstance(item, ContactIn) or item.status == "void":
        return []
    keys = _line_keys(item.lines)
    if isinstance(item, BankTransactionIn):
        keys.add(f"bank_account:{item.money_account}")
    return sorted(keys)


def to_record_input(item: ContactIn | InvoiceIn | BankTransactionIn) -> RecordInput:
    payload = item.model_dump(mode="json", exclude_none=True)
    return RecordInput(
        external_id=item.external_id,
        payload=payload,
        payload_hash=payload_hash(payload),
        source_keys=source_keys(item),
        voided=not isinstance(item, ContactIn) and item.status == "void",
    )
