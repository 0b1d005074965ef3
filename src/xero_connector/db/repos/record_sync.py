"""SQL of the sync's side of the outbox: claiming records into batches and settling them.

Claims are compare-and-set updates (``status = 'pending'`` in the WHERE), the same on Postgres
and SQLite, with no row locks and no ``SKIP LOCKED``: a record is claimed by exactly one batch,
whoever races. A page is taken in id order from the ``(connection_id, status, kind, id)`` index,
so memory never grows with the backlog. Every settle is guarded by ``batch_id``: only the batch
that holds a record settles it. The Xero id of a created document is stored even if the record
was taken from the batch meanwhile, so it can never be created twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.models import ACTIVE_RUN_STATUSES, Connection, Record, SyncRun
from xero_connector.db.settings_models import Mapping

WAITING = ("pending", "sending", "uncertain")


async def claim(
    session: AsyncSession,
    *,
    connection_id: str,
    kind: str,
    batch_id: str,
    limit: int,
    now: datetime,
    after: str | None = None,
) -> list[Record]:
    """Take up to ``limit`` pending records of ``kind`` into ``batch_id`` (status ``sending``).

    ``after``: only records whose id is greater. Every claimed record leaves its old index entry
    behind until vacuum, so a scan from the start of the pending range passes all of them; a
    caller walking a backlog gives the last id it claimed and the scan starts there.
    """
    candidates = (
        select(Record.id)
        .where(
            Record.connection_id == connection_id,
            Record.status == "pending",
            Record.kind == kind,
            or_(Record.next_attempt_at.is_(None), Record.next_attempt_at <= now),
        )
        .order_by(Record.id)
        .limit(limit)
    )
    if after is not None:
        candidates = candidates.where(Record.id > after)
    ids = list((await session.execute(candidates)).scalars())
    if not ids:
        return []
    await session.execute(
        update(Record)
        .where(Record.id.in_(ids), Record.status == "pending")
        .values(
            status="sending",
            batch_id=batch_id,
            attempts=Record.attempts + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return await held_by(session, batch_id)


async def held_by(session: AsyncSession, batch_id: str) -> list[Record]:
    """The records a batch holds, in id order (fresh from the database)."""
    result = await session.execute(
        select(Record)
        .where(Record.batch_id == batch_id)
        .order_by(Record.id)
        .execution_options(populate_existing=True)
    )
    return list(result.scalars())


async def move(
    session: AsyncSession, record_ids: Sequence[str], *, from_batch: str, to_batch: str
) -> None:
    """Hand some of a batch's records to another batch (a claim split into PUT and POST)."""
    await session.execute(
        update(Record)
        .where(Record.id.in_(list(record_ids)), Record.batch_id == from_batch)
        .values(batch_id=to_batch)
        .execution_options(synchronize_session=False)
    )


async def settle_synced(
    session: AsyncSession,
    record_id: str,
    *,
    batch_id: str,
    version: int,
    xero_id: str | None,
    now: datetime,
) -> bool:
    """Xero holds ``version``: synced (pending again if the content changed meanwhile)."""
    result = await session.execute(
        update(Record)
        .where(Record.id == record_id, Record.batch_id == batch_id)
        .values(_synced_values(version, xero_id, now))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount or xero_id is None:  # type: ignore[attr-defined]
        return bool(result.rowcount)  # type: ignore[attr-defined]
    # Not ours any more, but the document exists in Xero: keep its id (never create it twice).
    await session.execute(
        update(Record)
        .where(Record.id == record_id, Record.xero_id.is_(None))
        .values(xero_id=xero_id, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return False


def _synced_values(version: Any, xero_id: Any, now: datetime) -> dict[str, Any]:
    """What settling as synced writes; ``version`` and ``xero_id`` are values or per-row
    ``CASE`` expressions. Pending again when the content changed while it was being sent."""
    return {
        "xero_id": func.coalesce(xero_id, Record.xero_id),
        "synced_version": version,
        "synced_at": now,
        "status": case((Record.version == version, "synced"), else_="pending"),
        "errors": [],
        "blocked_reason": None,
        "batch_id": None,
        "updated_at": now,
    }


async def settle_many_synced(
    session: AsyncSession,
    synced: Sequence[tuple[str, int, str | None]],
    *,
    batch_id: str,
    now: datetime,
) -> int:
    """:func:`settle_synced` for many ``(record_id, version, xero_id)`` of one batch in one
    statement; how many it settled (the caller settles the others one by one)."""
    if not synced:
        return 0
    ids = [record_id for record_id, _, _ in synced]
    versions = case({rid: version for rid, version, _ in synced}, value=Record.id)
    xero_ids = case({rid: xid for rid, _, xid in synced if xid is not None}, value=Record.id)
    result = await session.execute(
        update(Record)
        .where(Record.id.in_(ids), Record.batch_id == batch_id)
        .values(_synced_values(versions, xero_ids, now))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def settle_failed(
    session: AsyncSession,
    record_id: str,
    *,
    batch_id: str,
    version: int,
    messages: list[str],
    now: datetime,
) -> bool:
    """Xero refused ``version``: failed with its messages (pending if the content changed)."""
    result = await session.execute(
        update(Record)
        .where(Record.id == record_id, Record.batch_id == batch_id)
        .values(
            status=case((Record.version == version, "failed"), else_="pending"),
            errors=messages,
            blocked_reason=None,
            batch_id=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def settle_blocked(
    session: AsyncSession, record_id: str, *, batch_id: str, reason: str, now: datetime
) -> bool:
    """The record cannot be translated now: blocked with ``reason`` (released at the next run)."""
    result = await session.execute(
        update(Record)
        .where(Record.id == record_id, Record.batch_id == batch_id)
        .values(status="blocked", blocked_reason=reason, batch_id=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def release(
    session: AsyncSession,
    batch_id: str,
    *,
    now: datetime,
    record_ids: Sequence[str] | None = None,
    error: str | None = None,
) -> int:
    """Give a batch's records (or some of them) back to ``pending``: nothing of them was applied."""
    values: dict[str, Any] = {"status": "pending", "batch_id": None, "updated_at": now}
    if error is not None:
        values["errors"] = [error]
    query = update(Record).where(Record.batch_id == batch_id)
    if record_ids is not None:
        query = query.where(Record.id.in_(list(record_ids)))
    result = await session.execute(
        query.values(**values).execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def mark_uncertain(session: AsyncSession, batch_id: str, *, now: datetime) -> int:
    """The batch's answer was lost: its records are ``uncertain`` until reconciled."""
    result = await session.execute(
        update(Record)
        .where(Record.batch_id == batch_id)
        .values(status="uncertain", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def release_blocked(session: AsyncSession, connection_id: str, *, now: datetime) -> int:
    """Every blocked record of the connection pending again: the run re-evaluates the cause."""
    result = await session.execute(
        update(Record)
        .where(Record.connection_id == connection_id, Record.status == "blocked")
        .values(status="pending", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def waiting_counts(session: AsyncSession, connection_id: str) -> dict[str, int]:
    """Records of each kind not settled yet (pending, sending or uncertain)."""
    result = await session.execute(
        select(Record.kind, func.count())
        .where(Record.connection_id == connection_id, Record.status.in_(WAITING))
        .group_by(Record.kind)
    )
    return {str(row[0]): int(row[1]) for row in result}


async def connections_to_schedule(
    session: AsyncSession, *, blocked_before: datetime, limit: int
) -> list[str]:
    """Active connections without an active run that have records to push or reconcile, or
    blocked records whose cause may be fixed: a mapping changed or a settings pull finished
    since the last run began, or the last run is older than ``blocked_before``."""
    no_active_run = ~exists().where(
        SyncRun.connection_id == Connection.id, SyncRun.status.in_(ACTIVE_RUN_STATUSES)
    )
    waiting = exists().where(Record.connection_id == Connection.id, Record.status.in_(WAITING))
    recent_run = exists().where(
        SyncRun.connection_id == Connection.id, SyncRun.created_at >= blocked_before
    )
    mapping_changed = exists().where(
        Mapping.connection_id == Connection.id,
        ~exists().where(
            SyncRun.connection_id == Connection.id, SyncRun.created_at >= Mapping.updated_at
        ),
    )
    settings_changed = and_(
        Connection.settings_pulled_at.is_not(None),
        ~exists().where(
            SyncRun.connection_id == Connection.id,
            SyncRun.created_at >= Connection.settings_pulled_at,
        ),
    )
    blocked = and_(
        exists().where(Record.connection_id == Connection.id, Record.status == "blocked"),
        or_(~recent_run, mapping_changed, settings_changed),
    )
    query = (
        select(Connection.id)
        .where(Connection.status == "active", no_active_run, or_(waiting, blocked))
        .order_by(Connection.id)
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())
