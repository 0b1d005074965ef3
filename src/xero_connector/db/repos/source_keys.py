"""The source keys records are waiting on: what ``GET .../mappings`` lists as ``unmapped``.

The one place that reads them from the outbox (``records``), so the mappings code never knows
how records store their lines. Until the records table exists nothing is waiting.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

# (kind, source_key, records_waiting); kind is a mapping kind: account, tax, bank_account, tracking.
PendingKey = tuple[str, str, int]


async def pending_source_keys(session: AsyncSession, connection_id: str) -> list[PendingKey]:
    """Every source key that records of the connection carry, with how many records carry it.

    Mapped keys may be included; the caller keeps the unmapped ones.
    """
    del session, connection_id
    return []
