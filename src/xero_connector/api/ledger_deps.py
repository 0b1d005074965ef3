"""Dependencies of the ledger routes: the sync seam and the mappings loader.

Both are plain callables so the sync and mappings capabilities can be wired in one place (here)
and tests can override them with ``app.dependency_overrides``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from xero_connector.api.deps import ContextDep
from xero_connector.ledger.outbox import MappingsLoader
from xero_connector.ledger.sync_request import SyncRequest, debounced
from xero_connector.mappings.resolver import load_resolver


def get_sync_request(context: ContextDep) -> SyncRequest:
    """A run after ingestion (debounced by ``SYNC_DEBOUNCE_SECONDS``) or a retry."""
    return debounced(context.sync_debounce_seconds)


def get_mappings_loader() -> MappingsLoader:
    """The connection's mapping resolver (``mappings.resolver``), for previews."""
    return load_resolver


SyncRequestDep = Annotated[SyncRequest, Depends(get_sync_request)]
MappingsLoaderDep = Annotated[MappingsLoader, Depends(get_mappings_loader)]
