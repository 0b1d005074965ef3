"""Reading and replacing a connection's mappings, and asking for a settings pull.

``GET`` lists every stored mapping with its state (``ok`` or ``drifted`` and why) and every
source key records are waiting on that has no mapping, each with a suggestion. ``PUT`` replaces
the whole set when every entry is valid and audits what changed from what to what; one invalid
entry and nothing changes (422 naming every invalid entry).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.audit import Actor, AuditAction, Target, audit
from xero_connector.db.models import Connection
from xero_connector.db.repos.mappings import list_mappings, save_mappings
from xero_connector.db.repos.source_keys import pending_source_keys
from xero_connector.db.settings_models import Mapping
from xero_connector.errors import Conflict, InvalidInput
from xero_connector.mappings.catalog import Catalog, load_catalog
from xero_connector.mappings.drift import MappingState, mapping_state
from xero_connector.mappings.freshness import request_settings_pull
from xero_connector.mappings.suggest import Suggestion, suggest
from xero_connector.mappings.validate import Entry, Valid, validate_entries


@dataclass(frozen=True)
class Unmapped:
    kind: str
    source_key: str
    records_waiting: int
    suggestion: Suggestion | None


@dataclass(frozen=True)
class MappingsView:
    items: list[MappingState]
    unmapped: list[Unmapped]


async def _view(session: AsyncSession, connection: Connection, catalog: Catalog) -> MappingsView:
    states = [mapping_state(m, catalog) for m in await list_mappings(session, connection.id)]
    mapped = {(s.mapping.kind, s.mapping.source_key) for s in states}
    unmapped = [
        Unmapped(kind, key, waiting, suggest(kind, key, catalog))
        for kind, key, waiting in await pending_source_keys(session, connection.id)
        if (kind, key) not in mapped
    ]
    return MappingsView(states, sorted(unmapped, key=lambda u: (u.kind, u.source_key)))


async def read_mappings(session: AsyncSession, connection: Connection) -> MappingsView:
    return await _view(session, connection, await load_catalog(session, connection))


def _changes(current: Sequence[Mapping], valid: Sequence[Valid]) -> list[dict[str, Any]]:
    before = {(m.kind, m.source_key): m.target for m in current}
    after = {(v.kind, v.source_key): v.target.stored for v in valid}
    return [
        {
            "kind": kind,
            "source_key": key,
            "from": before.get((kind, key)),
            "to": after.get((kind, key)),
        }
        for kind, key in sorted(before.keys() | after.keys())
        if before.get((kind, key)) != after.get((kind, key))
    ]


async def replace_mappings(
    session: AsyncSession,
    connection: Connection,
    entries: Sequence[Entry],
    *,
    actor: str,
    source: str | None,
    now: datetime,
) -> MappingsView:
    """Replace the whole set (validated, all or nothing, audited); the new GET view."""
    catalog = await load_catalog(session, connection)
    valid, errors = validate_entries(entries, catalog)
    if errors:
        raise InvalidInput(
            f"{len(errors)} of {len(entries)} mappings are not valid; nothing was changed",
            errors=[
                {"index": e.index, "kind": e.kind, "source_key": e.source_key, "reason": e.reason}
                for e in errors
            ],
        )
    current = list(await list_mappings(session, connection.id))
    changes = _changes(current, valid)
    by_key = {(m.kind, m.source_key): m for m in current}
    added: list[Mapping] = []
    for item in valid:
        row = by_key.pop((item.kind, item.source_key), None)
        if row is None:
            added.append(
                Mapping(
                    connection_id=connection.id,
                    kind=item.kind,
                    source_key=item.source_key,
                    target=item.target.stored,
                    snapshot=item.target.snapshot,
                    created_at=now,
                    updated_at=now,
                    updated_by=actor[:200],
                )
            )
        elif row.target != item.target.stored or row.snapshot != item.target.snapshot:
            row.target, row.snapshot = item.target.stored, item.target.snapshot
            row.updated_at, row.updated_by = now, actor[:200]
    await save_mappings(session, added=added, removed=list(by_key.values()))
    await audit(
        session,
        Actor(actor, source),
        AuditAction.MAPPINGS_REPLACE,
        Target.connection(connection.id),
        connection.workspace_id,
        result="ok" if changes else "unchanged",
        changes=changes,
    )
    return await _view(session, connection, catalog)


async def request_pull(session: AsyncSession, connection: Connection, *, now: datetime) -> datetime:
    """Ask for a full settings pull now (enqueued after commit); its request time."""
    if connection.status != "active":
        raise Conflict(f"the connection is {connection.status}: its settings cannot be pulled")
    await request_settings_pull(session, [connection.id], at=now)
    return now
