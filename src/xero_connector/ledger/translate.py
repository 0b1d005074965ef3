"""Translate an outbox record into the Xero element it is sent as. Pure: no I/O, no clock.

``translate(record, resolver, contact_xero_ids, organisation)`` answers one of:
- :class:`XeroPayload`: the element, the resource and verb (PUT creates, POST updates the stored
  Xero id) and the :class:`~xero_connector.ledger.xero_keys.SearchKey` to find it again;
- :class:`Blocked`: why it cannot be sent now. ``waiting_for`` names a contact (external id) that
  has not reached Xero yet: the record waits for it, it is not in error. Otherwise a mapping is
  missing or drifted (the resolver's reason) and the record is released once that is fixed;
- :class:`NotSent`: nothing is owed to Xero (a document voided before it ever reached Xero).

Money stays ``Decimal`` until the element is written, then leaves as decimal strings at Xero's
precision: ``UnitAmount`` rounded half away from zero to 2 dp (Xero's default, no ``unitdp``),
``Quantity`` to 4 dp. Xero computes line amounts and tax itself, per line, to 2 dp. Dates are the
platform's ``YYYY-MM-DD`` as they are (they are already dates in the organisation's terms).
A voided document that reached Xero becomes ``{<ID>, Status: VOIDED}``, which is Xero's void of an
approved invoice or bank transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal, Protocol, runtime_checkable

from xero_connector.ledger.xero_keys import SearchKey, record_key, tagged

CENT = Decimal("0.01")
QUANTITY_DP = Decimal("0.0001")
LINE_AMOUNT_TYPES = {"exclusive": "Exclusive", "inclusive": "Inclusive", "no_tax": "NoTax"}
INVOICE_STATUSES = {"draft": "DRAFT", "submitted": "SUBMITTED", "authorised": "AUTHORISED"}
_ADDRESS_FIELDS = {
    "line1": "AddressLine1",
    "line2": "AddressLine2",
    "city": "City",
    "region": "Region",
    "postal_code": "PostalCode",
    "country": "Country",
}
_CONTACT_FIELDS = {
    "email": "EmailAddress",
    "first_name": "FirstName",
    "last_name": "LastName",
    "tax_number": "TaxNumber",
}


@dataclass(frozen=True)
class Blocked:
    """Why a record cannot be sent now; ``waiting_for``: the contact it waits for."""

    reason: str
    waiting_for: str | None = None


@dataclass(frozen=True)
class NotSent:
    """Nothing to send, ever, for this version (``reason`` says why)."""

    reason: str


@dataclass(frozen=True)
class XeroPayload:
    """One element of a Xero batch: ``PUT`` (create) or ``POST`` (update by its id)."""

    resource: Literal["Contacts", "Invoices", "BankTransactions"]
    method: Literal["PUT", "POST"]
    element: dict[str, Any]
    search: SearchKey


Translation = XeroPayload | Blocked | NotSent


class RecordView(Protocol):
    """What translation reads of a record (``db.models.Record`` is one)."""

    @property
    def connection_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def external_id(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...
    @property
    def xero_id(self) -> str | None: ...


@runtime_checkable
class BlockedLike(Protocol):
    """A resolver's refusal (``mappings.resolver.Blocked``): a human reason."""

    @property
    def reason(self) -> str: ...


class AccountLike(Protocol):
    @property
    def account_id(self) -> str: ...
    @property
    def code(self) -> str | None: ...


class TaxLike(Protocol):
    @property
    def tax_type(self) -> str: ...


class TrackingLike(Protocol):
    @property
    def category_name(self) -> str: ...
    @property
    def option_name(self) -> str: ...


class MappingLookup(Protocol):
    """The connection's mappings (``mappings.resolver.MappingResolver``)."""

    def account(self, source_key: str) -> AccountLike | BlockedLike: ...
    # ``account``: the line's account, so a tax type that cannot apply to it is refused here.
    def tax(self, source_key: str, *, account: Any = None) -> TaxLike | BlockedLike: ...
    def bank_account(self, source_key: str) -> AccountLike | BlockedLike: ...
    def tracking(self, dimension: str, value: str) -> TrackingLike | BlockedLike: ...


class OrganisationLike(Protocol):
    @property
    def base_currency(self) -> str | None: ...


def unit_amount(value: str) -> str:
    return str(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))


def quantity(value: str) -> str:
    return str(Decimal(value).quantize(QUANTITY_DP, rounding=ROUND_HALF_UP))


def translate(
    record: RecordView,
    resolver: MappingLookup,
    contact_xero_ids: dict[str, str],
    organisation: OrganisationLike,
) -> Translation:
    """The Xero element ``record`` is sent as now, or why it is not sent."""
    if record.kind == "contact":
        return _contact(record)
    if record.kind == "invoice":
        return _invoice(record, resolver, contact_xero_ids, organisation)
    if record.kind == "bank_transaction":
        return _bank_transaction(record, resolver, contact_xero_ids, organisation)
    raise ValueError(f"unknown record kind {record.kind!r}")


def search_key(record: RecordView) -> SearchKey:
    """Where the record's document is found in Xero (the key its element carries)."""
    key = record_key(record.connection_id, record.external_id)
    payload = record.payload
    if record.kind == "contact":
        return SearchKey("Contacts", "ContactNumber", key, exact=True)
    if record.kind == "invoice":
        if payload["type"] == "sales" and payload.get("number"):
            return SearchKey("Invoices", "InvoiceNumber", payload["number"], exact=True)
        field = "Reference" if payload["type"] == "sales" else "InvoiceNumber"
        return SearchKey("Invoices", field, f"[{key}]", exact=False)
    return SearchKey("BankTransactions", "Reference", f"[{key}]", exact=False)


def _contact(record: RecordView) -> XeroPayload:
    payload = record.payload
    updating = record.xero_id is not None
    element: dict[str, Any] = {
        "Name": payload["name"],
        "ContactNumber": record_key(record.connection_id, record.external_id),
        "ContactStatus": "ARCHIVED" if payload.get("archived") else "ACTIVE",
    }
    for ours, theirs in _CONTACT_FIELDS.items():
        # On an update an empty string clears what the platform no longer has.
        if ours in payload or updating:
            element[theirs] = payload.get(ours, "")
    address = payload.get("address")
    if address or updating:
        fields = {theirs: (address or {}).get(ours, "") for ours, theirs in _ADDRESS_FIELDS.items()}
        element["Addresses"] = [{"AddressType": "POBOX", **fields}]
    if "phone" in payload or updating:
        element["Phones"] = [{"PhoneType": "DEFAULT", "PhoneNumber": payload.get("phone", "")}]
    return _payload("Contacts", "ContactID", record, element)


def _payload(
    resource: Literal["Contacts", "Invoices", "BankTransactions"],
    id_field: str,
    record: RecordView,
    element: dict[str, Any],
) -> XeroPayload:
    if record.xero_id is not None:
        element = {id_field: record.xero_id, **element}
        return XeroPayload(resource, "POST", element, search_key(record))
    return XeroPayload(resource, "PUT", element, search_key(record))


def _void(
    record: RecordView, resource: Literal["Invoices", "BankTransactions"], id_field: str
) -> XeroPayload | NotSent:
    if record.xero_id is None:
        return NotSent("voided before it reached Xero: nothing to send")
    element = {id_field: record.xero_id, "Status": "VOIDED"}
    return XeroPayload(resource, "POST", element, search_key(record))


def _contact_ref(
    payload: dict[str, Any], contact_xero_ids: dict[str, str]
) -> dict[str, str] | Blocked:
    external_id = payload["contact_external_id"]
    contact_id = contact_xero_ids.get(external_id)
    if contact_id is None:
        return Blocked(
            f"waiting for contact '{external_id}' to reach Xero", waiting_for=external_id
        )
    return {"ContactID": contact_id}


def _lines(lines: list[dict[str, Any]], resolver: MappingLookup) -> list[dict[str, Any]] | Blocked:
    items: list[dict[str, Any]] = []
    for line in lines:
        item: dict[str, Any] = {}
        if line.get("description"):
            item["Description"] = line["description"]
        item["Quantity"] = quantity(line["quantity"])
        item["UnitAmount"] = unit_amount(line["unit_amount"])
        account = resolver.account(line["category"])
        if isinstance(account, BlockedLike):
            return Blocked(account.reason)
        if account.code:
            item["AccountCode"] = account.code
        else:
            item["AccountID"] = account.account_id
        if line.get("tax_code") is not None:
            tax = resolver.tax(line["tax_code"], account=account)
            if isinstance(tax, BlockedLike):
                return Blocked(tax.reason)
            item["TaxType"] = tax.tax_type
        tracking: list[dict[str, str]] = []
        for dimension, value in line.get("tracking", {}).items():
            target = resolver.tracking(dimension, value)
            if isinstance(target, BlockedLike):
                return Blocked(target.reason)
            tracking.append({"Name": target.category_name, "Option": target.option_name})
        if tracking:
            item["Tracking"] = tracking
        items.append(item)
    return items


def _document_common(
    payload: dict[str, Any],
    resolver: MappingLookup,
    contact_xero_ids: dict[str, str],
    organisation: OrganisationLike,
) -> dict[str, Any] | Blocked:
    contact = _contact_ref(payload, contact_xero_ids)
    if isinstance(contact, Blocked):
        return contact
    lines = _lines(payload["lines"], resolver)
    if isinstance(lines, Blocked):
        return lines
    element: dict[str, Any] = {
        "Contact": contact,
        "LineAmountTypes": LINE_AMOUNT_TYPES[payload.get("amounts_are", "exclusive")],
        "LineItems": lines,
    }
    currency = payload.get("currency") or organisation.base_currency
    if currency:
        element["CurrencyCode"] = currency
    return element


def _invoice(
    record: RecordView,
    resolver: MappingLookup,
    contact_xero_ids: dict[str, str],
    organisation: OrganisationLike,
) -> Translation:
    payload = record.payload
    if payload["status"] == "void":
        return _void(record, "Invoices", "InvoiceID")
    common = _document_common(payload, resolver, contact_xero_ids, organisation)
    if isinstance(common, Blocked):
        return common
    sales = payload["type"] == "sales"
    key = record_key(record.connection_id, record.external_id)
    element: dict[str, Any] = {"Type": "ACCREC" if sales else "ACCPAY", **common}
    element["Date"] = payload["issue_date"]
    if payload.get("due_date"):
        element["DueDate"] = payload["due_date"]
    element["Status"] = INVOICE_STATUSES[payload["status"]]
    if sales and payload.get("number"):
        element["InvoiceNumber"] = payload["number"]
        element["Reference"] = payload.get("reference", "")
    elif sales:
        element["Reference"] = tagged(payload.get("reference"), key)
    else:
        element["InvoiceNumber"] = tagged(payload.get("number") or payload.get("reference"), key)
    return _payload("Invoices", "InvoiceID", record, element)


def _bank_transaction(
    record: RecordView,
    resolver: MappingLookup,
    contact_xero_ids: dict[str, str],
    organisation: OrganisationLike,
) -> Translation:
    payload = record.payload
    if payload["status"] == "void":
        return _void(record, "BankTransactions", "BankTransactionID")
    bank = resolver.bank_account(payload["money_account"])
    if isinstance(bank, BlockedLike):
        return Blocked(bank.reason)
    common = _document_common(payload, resolver, contact_xero_ids, organisation)
    if isinstance(common, Blocked):
        return common
    key = record_key(record.connection_id, record.external_id)
    element: dict[str, Any] = {
        "Type": "RECEIVE" if payload["type"] == "receive" else "SPEND",
        "BankAccount": {"AccountID": bank.account_id},
        **common,
        "Date": payload["date"],
        "Reference": tagged(payload.get("reference"), key),
        "Status": "AUTHORISED",
    }
    return _payload("BankTransactions", "BankTransactionID", record, element)
