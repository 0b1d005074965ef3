"""Dependencies of the ledger routes: the sync seam and the mappings loader.

Both are plain callables so the sync and mappings capabilities can be wired in one place (here)
and tests can override them with ``app.dependency_overrides``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from xero_connector.errors import ServiceUnavailable
from xero_connector.ledger.outbox import MappingsLoader
from xero_connector.ledger.sync_request import SyncRequest, request_sync


def get_sync_request() -> SyncRequest:
    return request_sync


def get_mappings_loader() -> MappingsLoader:
    raise ServiceUnavailable("previews need the mappings capability, which is not installed")


SyncRequestDep = Annotated[SyncRequest, Depends(get_sync_request)]
MappingsLoaderDep = Annotated[MappingsLoader, Depends(get_mappings_loader)]
