"""What Xero's collection reads do beyond filtering: line items only on paged reads,
``summaryOnly``, ``searchTerm`` and ``createdByMyApp``.

- Invoices read several at a time come without ``LineItems`` unless the request is paged
  (``page``), as Xero documents; one read by id or number always has them. Bank transactions
  keep theirs (Xero's schema requires ``LineItems`` on every bank transaction).
- ``summaryOnly=true`` drops the nested lists (line items, payments, addresses, phones...), the
  "lightweight" answer Xero gives.
- ``searchTerm``: a case-insensitive substring search over the fields Xero names (contacts:
  Name, FirstName, LastName, ContactNumber, EmailAddress; invoices: InvoiceNumber, Reference).
- ``createdByMyApp=true``: only documents the calling app (the client its token was issued to)
  created.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from xero_connector.sandbox.accounting.ledger import Body, Record

SEARCH_FIELDS: dict[str, tuple[str, ...]] = {
    "Contacts": ("Name", "FirstName", "LastName", "ContactNumber", "EmailAddress"),
    "Invoices": ("InvoiceNumber", "Reference"),
}
LINES_ONLY_WHEN_PAGED = frozenset({"Invoices"})
_KEPT_LISTS = frozenset({"ValidationErrors", "Warnings"})


def _true(query: Mapping[str, str], name: str) -> bool:
    return query.get(name, "").lower() == "true"


def narrow(
    collection: str, records: Iterable[Record], query: Mapping[str, str], app_id: str
) -> Iterable[Record]:
    """The records ``searchTerm`` and ``createdByMyApp`` leave."""
    term = query.get("searchTerm", "").strip().lower()
    fields = SEARCH_FIELDS.get(collection, ())
    mine = _true(query, "createdByMyApp")
    for record in records:
        if mine and record.created_by != app_id:
            continue
        if (
            term
            and fields
            and not any(term in str(record.body.get(f) or "").lower() for f in fields)
        ):
            continue
        yield record


def shape(collection: str, bodies: list[Body], query: Mapping[str, str]) -> list[Body]:
    """The bodies as a multi-record read answers them (without line items unless paged, lighter
    with ``summaryOnly``); stored bodies are never changed."""
    if _true(query, "summaryOnly"):
        return [
            {k: v for k, v in body.items() if not isinstance(v, list) or k in _KEPT_LISTS}
            for body in bodies
        ]
    if collection in LINES_ONLY_WHEN_PAGED and not query.get("page"):
        return [{k: v for k, v in body.items() if k != "LineItems"} for body in bodies]
    return bodies
