"""The seam to the ledger's translation: a record and its contacts' Xero ids -> a payload.

``Translations.load`` reads what translating a connection's records needs once per slice (the
mapping resolver, the organisation); the returned ``Translate`` is a pure function.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.models import Record


class Blocked(Protocol):
    """Why a record cannot be sent now (the mappings' and the ledger's ``Blocked``)."""

    @property
    def reason(self) -> str: ...


class Translate(Protocol):
    def __call__(
        self, record: Record, contact_xero_ids: Mapping[str, str]
    ) -> dict[str, Any] | Blocked: ...


class Translations(Protocol):
    async def load(self, session: AsyncSession, connection_id: str) -> Translate: ...

    async def ensure_fresh_settings(self, connection_id: str) -> None:
        """Pull the organisation's settings first when they are missing or too old."""
        ...


def contact_reference(record: Record) -> str | None:
    """The external id of the contact a document refers to."""
    value = record.payload.get("contact_external_id")
    return value if isinstance(value, str) and value else None
