"""Checking a whole ``PUT .../mappings`` set: every entry, every reason, nothing half-applied.

Each entry needs a known kind, a source key of 1-255 characters (``<dimension>:<value>`` for
tracking), no duplicate ``(kind, source_key)``, and a target that exists in the last pull and is
usable (``targets.find_target``). A tax target must also suit the class of at least one account
the set maps (``rules.tax_beside_accounts_problem``); the resolver checks each line's pair.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from xero_connector.db.settings_models import XeroAccount, XeroTaxRate
from xero_connector.mappings import rules
from xero_connector.mappings.catalog import Catalog
from xero_connector.mappings.targets import (
    KINDS,
    Target,
    TargetError,
    find_target,
    parse_tracking_key,
)

MAX_SOURCE_KEY = 255


@dataclass(frozen=True)
class Entry:
    """One requested mapping as the caller sent it."""

    kind: str
    source_key: str
    target: Mapping[str, Any]


@dataclass(frozen=True)
class EntryError:
    index: int
    kind: str
    source_key: str
    reason: str


@dataclass(frozen=True)
class Valid:
    kind: str
    source_key: str
    target: Target


def _key_problem(entry: Entry) -> str | None:
    if entry.kind not in KINDS:
        return f"unknown kind {entry.kind!r}: one of {', '.join(KINDS)}"
    if not 1 <= len(entry.source_key) <= MAX_SOURCE_KEY:
        return f"source_key must be 1 to {MAX_SOURCE_KEY} characters"
    if entry.kind == "tracking" and parse_tracking_key(entry.source_key) is None:
        return "a tracking source_key is <dimension>:<value>"
    return None


def validate_entries(
    entries: Sequence[Entry], catalog: Catalog
) -> tuple[list[Valid], list[EntryError]]:
    """The valid entries and an error for every invalid one (in input order)."""
    valid: dict[int, Valid] = {}
    errors: dict[int, str] = {}
    first_index: dict[tuple[str, str], int] = {}
    for index, entry in enumerate(entries):
        problem = _key_problem(entry)
        if problem is None and (entry.kind, entry.source_key) in first_index:
            problem = f"duplicate of entry {first_index[(entry.kind, entry.source_key)]}"
        if problem is None:
            first_index[(entry.kind, entry.source_key)] = index
            try:
                valid[index] = Valid(
                    entry.kind, entry.source_key, find_target(entry.kind, entry.target, catalog)
                )
            except TargetError as error:
                problem = str(error)
        if problem is not None:
            errors[index] = problem
    accounts = [v.target.row for v in valid.values() if v.kind == "account"]
    for index, item in list(valid.items()):
        if item.kind == "tax":
            assert isinstance(item.target.row, XeroTaxRate)
            mapped = [a for a in accounts if isinstance(a, XeroAccount)]
            if problem := rules.tax_beside_accounts_problem(item.target.row, mapped):
                errors[index] = problem
                del valid[index]
    entry_errors = [
        EntryError(i, entries[i].kind, entries[i].source_key, reason)
        for i, reason in sorted(errors.items())
    ]
    return [valid[i] for i in sorted(valid)], entry_errors
