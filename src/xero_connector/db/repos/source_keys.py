"""The mapping keys that records still waiting to be sent use: what ``unmapped`` counts.

Each record carries ``source_keys``, the ``"<mapping kind>:<source key>"`` strings its payload
uses (written at ingestion, see ``ledger/normalise.py``); tracking keys read
``"tracking:<dimension>:<value>"``. A voided record needs no mapping and carries none.
"""

from __future__ import annotations

from sqlalchemy import func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.db.models import Record

# Records that still need their mappings: not sent yet, or sent and changed since.
WAITING_STATUSES = ("pending", "blocked")


async def pending_source_keys(
    session: AsyncSession, connection_id: str
) -> list[tuple[str, str, int]]:
    """``(kind, source_key, records_waiting)`` for every key of the connection's waiting records,
    ordered by kind and key."""
    if session.get_bind().dialect.name == "postgresql":
        keys = func.json_array_elements_text(Record.source_keys).table_valued("value")
    else:
        keys = func.json_each(Record.source_keys).table_valued("value")
    query = (
        select(keys.c.value, func.count())
        .select_from(Record)
        .join(keys, true())
        .where(Record.connection_id == connection_id, Record.status.in_(WAITING_STATUSES))
        .group_by(keys.c.value)
        .order_by(keys.c.value)
    )
    result = await session.execute(query)
    waiting: list[tuple[str, str, int]] = []
    for value, count in result:
        kind, _, source_key = str(value).partition(":")
        waiting.append((kind, source_key, int(count)))
    return waiting
