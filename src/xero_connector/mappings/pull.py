"""The settings pull: read Organisation, Accounts, TaxRates and TrackingCategories from Xero and
store them in the connection's cache.

Every call goes through the Xero client, so through the limiter. The reads happen outside any
transaction; the writes then happen in one, under a per-connection lock, and touch only rows whose
content changed. A *full* pull lists every account (what Xero no longer lists is kept as
vanished); a *changes* pull (the cron's) asks for the accounts modified since Xero's time of the
previous answer (``If-Modified-Since``; the only one of these endpoints that honours it) and reads
the small tax rate and tracking lists whole. ``settings_pulled_at`` moves when a pull finishes;
``settings_full_pulled_at`` takes the start time of a full pull, so a pull requested while one
was running stays owed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from xero_connector.db.models import Connection
from xero_connector.db.repos import settings_pulls, xero_settings
from xero_connector.db.repos.connections import get_connection
from xero_connector.db.unit_of_work import committing
from xero_connector.mappings.settings_data import (
    answer_time,
    parse_account,
    parse_organisation,
    parse_tax_rate,
    parse_tracking_category,
)
from xero_connector.xero.client import TenantRef, XeroApiClient

NOT_MODIFIED = 304


class SettingsAnswer(Protocol):
    """One read's answer: 200 with Xero's JSON body, or 304 (not modified, no body)."""

    @property
    def status(self) -> int: ...

    @property
    def body(self) -> Mapping[str, Any] | None: ...


class SettingsApi(Protocol):
    """The reads a pull makes for one tenant (``xero.client.TenantClient`` is one)."""

    async def get(
        self,
        resource: str,
        *,
        params: Mapping[str, str] | None = None,
        if_modified_since: datetime | None = None,
    ) -> SettingsAnswer: ...


# Builds the reader of a connection's tenant (its grant and tenant id).
SettingsApiFactory = Callable[[Connection], SettingsApi]


def tenant_reader(client: XeroApiClient) -> SettingsApiFactory:
    """Each connection's reads through the process's Accounting API client (and limiter)."""

    def api_for(connection: Connection) -> SettingsApi:
        return client.tenant(TenantRef.of(connection))

    return api_for


@dataclass(frozen=True)
class PullResult:
    full: bool
    changed: int  # cached rows (and organisation fields) written
    calls: int
    pulled_at: datetime


def _items(answer: SettingsAnswer, collection: str) -> list[Mapping[str, Any]]:
    if answer.status == NOT_MODIFIED or answer.body is None:
        return []
    items = answer.body.get(collection)
    return [item for item in items if isinstance(item, Mapping)] if isinstance(items, list) else []


def full_pull_owed(connection: Connection) -> bool:
    """True while a requested pull has not been followed by a full pull started after it."""
    if connection.settings_full_pulled_at is None:
        return True
    requested = connection.settings_pull_requested_at
    return requested is not None and requested > connection.settings_full_pulled_at


def _apply_organisation(connection: Connection, body: Mapping[str, Any] | None) -> int:
    items = (body or {}).get("Organisations")
    if not isinstance(items, list) or not items or not isinstance(items[0], Mapping):
        return 0
    org = parse_organisation(items[0])
    values = {
        "tenant_name": org.name or connection.tenant_name,
        "timezone": org.timezone,
        "base_currency": org.base_currency,
        "country": org.country,
        "default_sales_tax": org.default_sales_tax,
        "default_purchases_tax": org.default_purchases_tax,
    }
    changed = 0
    for name, value in values.items():
        if getattr(connection, name) != value:
            setattr(connection, name, value)
            changed = 1
    return changed


async def pull_settings_now(
    sessions: async_sessionmaker[AsyncSession],
    api_for: SettingsApiFactory,
    connection_id: str,
    *,
    full: bool,
    clock: Callable[[], datetime],
) -> PullResult | None:
    """Pull now (``full`` or changes only; a changes pull becomes full while one is owed).

    None when the connection does not exist or is not active. Xero's errors propagate
    (classified by the client): nothing is written then.
    """
    started = clock()
    async with sessions() as session:
        connection = await get_connection(session, connection_id)
        if connection is None or connection.status != "active":
            return None
        full = full or full_pull_owed(connection)
        since = None if full else connection.accounts_modified_since
        api = api_for(connection)
    organisation = await api.get("Organisation")
    accounts = await api.get("Accounts", if_modified_since=since)
    tax_rates = await api.get("TaxRates")
    tracking = await api.get("TrackingCategories", params={"includeArchived": "true"})

    async with sessions() as session, committing(session):
        await settings_pulls.lock_for_pull(session, connection_id)
        connection = await get_connection(session, connection_id)
        if connection is None:
            return None
        now = clock()
        parsed_accounts = [a for a in map(parse_account, _items(accounts, "Accounts")) if a]
        changed = _apply_organisation(connection, organisation.body)
        changed += await xero_settings.apply_accounts(
            session, connection_id, parsed_accounts, now=now, complete=since is None
        )
        rates = [r for r in map(parse_tax_rate, _items(tax_rates, "TaxRates")) if r]
        changed += await xero_settings.apply_tax_rates(session, connection_id, rates, now=now)
        categories = _items(tracking, "TrackingCategories")
        parsed_categories = [c for c in map(parse_tracking_category, categories) if c]
        changed += await xero_settings.apply_tracking(
            session, connection_id, parsed_categories, now=now
        )
        if accounts.status != NOT_MODIFIED:
            connection.accounts_modified_since = answer_time(accounts.body, started)
        connection.settings_pulled_at = now
        if full:
            connection.settings_full_pulled_at = started
    return PullResult(full=full, changed=changed, calls=4, pulled_at=now)
