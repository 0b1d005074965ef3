"""An ERROR element as Xero answers it: in Xero's own serialisation, not as the client sent it.

Xero parses an element before validating it and answers what it parsed: dates as
``/Date(ms+0000)/`` (with ``DateString``/``DueDateString``), the defaults it applied
(``LineAmountTypes`` Exclusive, the status a new document gets), an all-zero id for a document
it did not create (and for a bank transaction's missing bank account), and no timestamps the
client made up. Xero's SDKs parse these answers with
their response models, which take ``/Date(...)/`` strings only: an ISO date echoed back breaks
them.
"""

from __future__ import annotations

from typing import Any

from xero_connector.sandbox.accounting.ledger import Body
from xero_connector.sandbox.accounting.msdates import iso_date_string, ms_date, parse_document_date

ZERO_ID = "00000000-0000-0000-0000-000000000000"
_DATES = ("Date", "DueDate", "ExpectedPaymentDate", "PlannedPaymentDate", "FullyPaidOnDate")
_DATE_STRINGS = {"Date": "DateString", "DueDate": "DueDateString"}
_DROPPED = ("UpdatedDateUTC",)
# what Xero fills in on a new element of each collection when the client leaves it out
_DEFAULTS: dict[str, dict[str, Any]] = {
    "Invoices": {"LineAmountTypes": "Exclusive", "Status": "DRAFT"},
    "BankTransactions": {"LineAmountTypes": "Exclusive", "Status": "AUTHORISED"},
    "Contacts": {"ContactStatus": "ACTIVE"},
}


def serialise_error_element(collection: str, id_field: str, element: Any) -> Body:
    """The element as Xero would echo it (the caller adds the status and the errors)."""
    if not isinstance(element, dict):
        return {id_field: ZERO_ID}
    echo: Body = {k: v for k, v in element.items() if k not in _DROPPED}
    for key in _DATES:
        if key not in echo:
            continue
        day = parse_document_date(echo[key])
        if day is None:
            del echo[key]  # Xero could not read it: it is not in its answer either
            continue
        echo[key] = ms_date(day)
        if key in _DATE_STRINGS:
            echo[_DATE_STRINGS[key]] = iso_date_string(day)
    for key, value in _DEFAULTS.get(collection, {}).items():
        echo.setdefault(key, value)
    if collection == "BankTransactions":  # what Xero's schema says every answer carries
        echo.setdefault("BankAccount", {"AccountID": ZERO_ID})
        echo.setdefault("LineItems", [])
    if not echo.get(id_field):
        echo[id_field] = ZERO_ID
    return echo
