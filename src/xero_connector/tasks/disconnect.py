"""The disconnect's retry jobs: work off what a connection or a grant still owes Xero.

Both run ``connections.disconnect``'s one path over the rows as they are now, whenever they run
(a retry deferred to its due time, the sweeper, a repeat): see that module for the rules. They
never raise for a Xero failure: the attempt is booked in the row and retried from there.
"""

from __future__ import annotations

from typing import Any

from xero_connector.connections.disconnect import DisconnectWork
from xero_connector.logs import bind_log_ids
from xero_connector.tasks.context import resources


def _work(ctx: dict[str, Any]) -> DisconnectWork:
    res = resources(ctx)
    return DisconnectWork(
        sessions=res.session_factory,
        tokens=res.tokens,
        remote=res.remote,
        dispatcher=res.dispatcher,
        clock=res.clock,
        backoff=res.owed_backoff,
    )


async def delete_remote_connection(ctx: dict[str, Any], connection_id: str) -> str:
    """Xero's ``DELETE /connections/{id}`` owed for a connection, then its grant's end."""
    bind_log_ids(connection_id=connection_id)
    return await _work(ctx).settle_connection(connection_id)


async def revoke_grant(ctx: dict[str, Any], grant_id: str) -> str:
    """The grant's owed end: revoked at Xero, destroyed here only, or no longer owed."""
    bind_log_ids(grant_id=grant_id)
    return await _work(ctx).settle_grant(grant_id)
