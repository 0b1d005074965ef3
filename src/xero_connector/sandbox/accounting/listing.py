"""Reading collections: ``If-Modified-Since``, ``where``, id lists, ``order`` and paging.

Without ``page`` every match is returned (as Xero does for these endpoints); with ``page`` the
answer holds ``pageSize`` records (default 100, at most 1000) and a ``pagination`` object.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from xero_connector.sandbox.accounting.ledger import Body, Record
from xero_connector.sandbox.accounting.msdates import ms_of, parse_modified_since
from xero_connector.sandbox.accounting.where import FieldTree, QueryParseError, parse_where

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Body]
    pagination: dict[str, int] | None


def _int(text: str | None, name: str) -> int | None:
    if text is None or text == "":
        return None
    try:
        return int(text)
    except ValueError:
        raise QueryParseError(f"The {name} parameter must be a whole number") from None


def _sort_key(field: str) -> Any:
    def key(body: Body) -> Any:
        value = body.get(field)
        if isinstance(value, str):
            ms = ms_of(value) if value.startswith("/Date(") else None
            return (1, ms) if ms is not None else (2, value.lower())
        return (0, value) if value is not None else (-1, 0)

    return key


def _order(bodies: list[Body], order: str) -> list[Body]:
    for clause in reversed([part.strip() for part in order.split(",") if part.strip()]):
        words = clause.split()
        descending = len(words) > 1 and words[1].upper() == "DESC"
        bodies.sort(key=_sort_key(words[0]), reverse=descending)
    return bodies


def select(
    records: Iterable[Record],
    query: Mapping[str, str],
    modified_since: str | None,
    id_lists: Mapping[str, str] | None = None,
    fields: FieldTree | None = None,
) -> Page:
    """The page of bodies a GET answers. ``id_lists`` maps a query parameter (``IDs``) to the body
    field its comma-separated values match (``InvoiceID``); ``fields`` (from the schema) makes
    ``where`` refuse unknown fields."""
    since = parse_modified_since(modified_since) if modified_since else None
    predicate = parse_where(query.get("where", ""), fields)
    wanted: list[tuple[str, set[str]]] = []
    for parameter, field in (id_lists or {}).items():
        if raw := query.get(parameter):
            wanted.append((field, {v.strip().lower() for v in raw.split(",") if v.strip()}))
    bodies: list[Body] = []
    for record in records:
        if since is not None and record.updated_ms < since:
            continue
        body = record.body
        if any(str(_path(body, field)).lower() not in values for field, values in wanted):
            continue
        if predicate(body):
            bodies.append(body)
    if order := query.get("order"):
        bodies = _order(bodies, order)
    page = _int(query.get("page"), "page")
    if page is None:
        return Page(bodies, None)
    size = min(max(_int(query.get("pageSize"), "pageSize") or DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE)
    page = max(page, 1)
    count = len(bodies)
    pagination = {
        "page": page,
        "pageSize": size,
        "pageCount": (count + size - 1) // size,
        "itemCount": count,
    }
    return Page(bodies[(page - 1) * size : page * size], pagination)


def _path(body: Body, dotted: str) -> Any:
    value: Any = body
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value
