"""An in-memory stand-in for one Xero organisation behind the sync's port, and a translation.

Only for the engine's state-machine tests (crash points and outcomes placed exactly); the
end-to-end tests use the real client against the sandbox over HTTP.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.models import Record
from xero_connector.ledger.translate import Blocked, NotSent, XeroPayload
from xero_connector.ledger.xero_keys import SearchKey
from xero_connector.sync.keys import RESOURCES
from xero_connector.sync.port import (
    AnswerLost,
    DailyLimit,
    ElementResult,
    Method,
    RunStopped,
    TenantPort,
    Unsent,
)
from xero_connector.sync.translation import Translate, Translated

Resource = Literal["Invoices", "BankTransactions"]
_CLAUSE = re.compile(r'(\w+)(==|\.Contains\()"((?:[^"\\]|\\.)*)"')


def _match(doc: dict[str, Any], field_name: str, op: str, value: str) -> bool:
    found = str(doc.get(field_name, "")).lower()
    return found == value if op == "==" else value in found


@dataclass
class FakeOrg(TenantPort):
    """Documents by kind and id; scripted faults for the next writes."""

    docs: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {kind: {} for kind in RESOURCES}
    )
    script: list[str] = field(default_factory=list)  # "lose", "drop" (lost, not applied), ...
    daily_until: datetime | None = None
    writes: list[tuple[str, str, int, str]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0

    async def wait_estimate(self) -> float:
        return 0.0

    async def write(
        self,
        kind: str,
        elements: Sequence[Mapping[str, Any]],
        *,
        method: Method,
        idempotency_key: str,
    ) -> list[ElementResult]:
        self.writes.append((kind, method, len(elements), idempotency_key))
        fault = self.script.pop(0) if self.script else None
        if fault == "unsent":
            raise Unsent("Xero answered 503", 1.0)
        if fault == "day" and self.daily_until is not None:
            raise DailyLimit(self.daily_until)
        if fault == "disconnected":
            raise RunStopped("the organisation disconnected this app inside Xero")
        if fault == "drop":
            raise AnswerLost("the answer was lost before Xero applied it")
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            results = [self._apply(kind, dict(element), method) for element in elements]
        finally:
            self.in_flight -= 1
        if fault == "lose":
            raise AnswerLost("applied, answer lost")
        return results

    def _apply(self, kind: str, element: dict[str, Any], method: str) -> ElementResult:
        id_field = RESOURCES[kind][2]
        store = self.docs[kind]
        given = element.get(id_field)
        if given is not None:
            if method == "PUT" or given not in store:
                return ElementResult("error", None, [f"{kind} {given} cannot be written"])
            if store[given].get("Status") == "VOIDED":
                return ElementResult(
                    "error", None, ["Invoice not of valid status for modification"]
                )
            store[given].update(element)
            return ElementResult("ok", given)
        if kind == "contact":
            for doc in store.values():
                if doc["Name"].lower() == str(element.get("Name", "")).lower():
                    return ElementResult(
                        "error",
                        None,
                        [
                            f"The contact name {element['Name']} is already assigned to "
                            "another contact."
                        ],
                    )
        new = str(uuid.uuid4())
        store[new] = {**element, id_field: new}
        return ElementResult("ok", new)

    async def find(
        self, kind: str, *, where: str | None = None, ids: Sequence[str] | None = None
    ) -> list[dict[str, Any]]:
        store = self.docs[kind]
        if ids is not None:
            return [store[i] for i in ids if i in store]
        wanted = [
            (f, op, v.replace('\\"', '"').lower()) for f, op, v in _CLAUSE.findall(where or "")
        ]
        return [doc for doc in store.values() if any(_match(doc, *w) for w in wanted)]

    def count(self, kind: str) -> int:
        return len(self.docs[kind])


@dataclass
class FakeTranslations:
    """Contacts by name; documents need their contact in Xero and a mapped ``category``."""

    unmapped: set[str] = field(default_factory=set)
    pulls: int = 0

    async def ensure_fresh_settings(self, connection_id: str) -> None:
        self.pulls += 1

    async def load(self, session: AsyncSession, connection_id: str) -> Translate:
        unmapped = set(self.unmapped)

        def translate(record: Record, contact_xero_ids: Mapping[str, str]) -> Translated:
            payload = record.payload
            key = f"xc-{record.external_id}"
            method: Method = "POST" if record.xero_id else "PUT"
            if record.kind == "contact":
                element: dict[str, Any] = {"Name": payload["name"], "ContactNumber": key}
                if record.xero_id:
                    element["ContactID"] = record.xero_id
                return XeroPayload(
                    "Contacts", method, element, SearchKey("Contacts", "ContactNumber", key, True)
                )
            resource: Resource = "Invoices" if record.kind == "invoice" else "BankTransactions"
            search = SearchKey(resource, "Reference", f"[{key}]", exact=False)
            id_field = RESOURCES[record.kind][2]
            if payload.get("status") == "void":
                if record.xero_id is None:
                    return NotSent("voided before it reached Xero")
                return XeroPayload(
                    resource, "POST", {id_field: record.xero_id, "Status": "VOIDED"}, search
                )
            contact = contact_xero_ids.get(payload["contact_external_id"])
            if contact is None:
                ref = payload["contact_external_id"]
                return Blocked(f"waiting for contact '{ref}'", waiting_for=ref)
            if payload.get("category") in unmapped:
                return Blocked(f"no mapping for category '{payload['category']}'")
            element = {
                "Type": "ACCREC" if record.kind == "invoice" else "RECEIVE",
                "Contact": {"ContactID": contact},
                "Total": payload.get("amount", "1.00"),
                "Reference": f"ref [{key}]",
            }
            if record.xero_id:
                element[id_field] = record.xero_id
            return XeroPayload(resource, method, element, search)

        return translate
