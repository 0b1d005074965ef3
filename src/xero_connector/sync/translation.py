"""The seam to the ledger's translation and the mappings' settings freshness.

``Translations.load`` reads what translating a connection's records needs, once per phase (the
mapping resolver, the organisation); the ``Translate`` it returns is the ledger's pure
``translate`` over them. ``ensure_fresh_settings`` pulls the organisation's settings first when
they are owed or older than the configured maximum age (a drifted mapping is caught before a
push), raising the sync's own stops (``sync.port``) for what Xero answered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from xero_connector.db.models import Record
from xero_connector.ledger.translate import Blocked, NotSent, XeroPayload, translate
from xero_connector.mappings.freshness import ensure_fresh_settings
from xero_connector.mappings.pull import tenant_reader
from xero_connector.mappings.resolver import load_resolver
from xero_connector.sync.xero_port import stop_for
from xero_connector.xero.client import XeroApiClient

Translated = XeroPayload | Blocked | NotSent


class Translate(Protocol):
    def __call__(self, record: Record, contact_xero_ids: Mapping[str, str]) -> Translated: ...


class Translations(Protocol):
    async def load(self, session: AsyncSession, connection_id: str) -> Translate: ...

    async def ensure_fresh_settings(self, connection_id: str) -> None: ...


def contact_reference(record: Record) -> str | None:
    """The external id of the contact a document refers to."""
    value = record.payload.get("contact_external_id")
    return value if isinstance(value, str) and value else None


@dataclass
class LedgerTranslations:
    """The real ``Translations``: the mappings' resolver and the ledger's ``translate``."""

    session_factory: async_sessionmaker[AsyncSession]
    client: XeroApiClient
    settings_max_age: timedelta
    clock: Callable[[], datetime]

    async def load(self, session: AsyncSession, connection_id: str) -> Translate:
        resolver = await load_resolver(session, connection_id)
        organisation = resolver.organisation

        def translate_one(record: Record, contact_xero_ids: Mapping[str, str]) -> Translated:
            return translate(record, resolver, dict(contact_xero_ids), organisation)

        return translate_one

    async def ensure_fresh_settings(self, connection_id: str) -> None:
        try:
            await ensure_fresh_settings(
                self.session_factory,
                tenant_reader(self.client),
                connection_id,
                max_age=self.settings_max_age,
                clock=self.clock,
            )
        except Exception as exc:
            stop = stop_for(exc)
            if stop is None:
                raise
            raise stop from exc
