"""``GET`` and ``PUT /v1/connections/{id}/mappings``: where the workspace's keys land in Xero."""

from __future__ import annotations

from fastapi import APIRouter, Request

from xero_connector.api.deps import CallerDep, SessionDep
from xero_connector.api.mapping_schemas import MappingsIn, MappingsOut
from xero_connector.api.problems import PROBLEM_JSON
from xero_connector.api.scope import NOT_FOUND, ConnectionInScope
from xero_connector.api.xero_deps import request_source
from xero_connector.auth.policy import Action
from xero_connector.db.base import utcnow
from xero_connector.mappings import service
from xero_connector.mappings.validate import Entry

router = APIRouter(
    prefix="/v1/connections/{connection_id}",
    tags=["mappings"],
    responses={404: {"description": NOT_FOUND, "content": {PROBLEM_JSON: {}}}},
)


@router.get("/mappings", response_model=MappingsOut)
async def read_mappings(
    connection: ConnectionInScope, caller: CallerDep, session: SessionDep
) -> MappingsOut:
    """The mappings with their state (``drifted`` and why), and the unmapped keys records wait
    on, each with a suggestion that is never applied until it is PUT."""
    caller.require(Action.READ)
    return MappingsOut.of(await service.read_mappings(session, connection))


@router.put(
    "/mappings",
    response_model=MappingsOut,
    responses={
        422: {
            "description": "Some entries are invalid; nothing changed. ``errors`` lists "
            "``{index, kind, source_key, reason}`` for every invalid entry.",
            "content": {PROBLEM_JSON: {}},
        }
    },
)
async def replace_mappings(
    connection: ConnectionInScope,
    body: MappingsIn,
    caller: CallerDep,
    session: SessionDep,
    request: Request,
) -> MappingsOut:
    """Replace the whole set when every entry is valid against the last settings pull."""
    caller.require(Action.MAP)
    entries = [Entry(item.kind, item.source_key, item.target) for item in body.items]
    view = await service.replace_mappings(
        session,
        connection,
        entries,
        actor=caller.actor,
        source=request_source(request),
        now=utcnow(),
    )
    return MappingsOut.of(view)
