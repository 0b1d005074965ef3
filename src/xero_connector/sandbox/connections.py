"""``GET /connections`` (and ``/Connections``, as Xero's spec spells it) and
``DELETE /connections/{id}``: a user's connections of organisations to the calling client.

The caller is identified by its access token (user and client of the grant behind it). The
list holds every connection that user made to this client, from any consent; ``authEventId``
narrows it to the tenants of one consent. Timestamps are emitted the way Xero does: UTC without
an offset and with seven fractional digits (``2019-12-07T18:46:19.5165400``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from xero_connector.sandbox.identity.service import Identity
from xero_connector.sandbox.identity.store import Connection, Grant


def xero_utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0"


def unauthorized(detail: str) -> JSONResponse:
    body = {"Type": None, "Title": "Unauthorized", "Status": 401, "Detail": detail}
    return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": "Bearer"})


def build_connections_router(identity: Identity) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    world, store = identity.world, identity.store

    def caller(request: Request) -> Grant | JSONResponse:
        token = (request.headers.get("authorization") or "").removeprefix("Bearer ").strip()
        record = world.access_tokens.get(token)
        grant = store.grants.get(record.grant_id) if record else None
        if record is None or grant is None:
            return unauthorized("TokenInvalid")
        if record.expires_at <= world.clock.now():
            return unauthorized("TokenExpired: token expired")
        return grant

    def shape(connection: Connection) -> dict[str, object]:
        org = world.organisations[connection.tenant_id]
        return {
            "id": connection.connection_id,
            "authEventId": connection.auth_event_id,
            "tenantId": org.tenant_id,
            "tenantType": org.tenant_type,
            "tenantName": org.name,
            "createdDateUtc": xero_utc(connection.created),
            "updatedDateUtc": xero_utc(connection.updated),
        }

    @router.get("/connections")
    @router.get("/Connections")
    async def list_connections(
        request: Request, auth_event_id: Annotated[str | None, Query(alias="authEventId")] = None
    ) -> Response:
        grant = caller(request)
        if isinstance(grant, JSONResponse):
            return grant
        found = store.list_connections(grant.user.user_id, grant.client_id, auth_event_id)
        return JSONResponse([shape(c) for c in found])

    @router.delete("/connections/{connection_id}")
    @router.delete("/Connections/{connection_id}")
    async def delete_connection(request: Request, connection_id: str) -> Response:
        grant = caller(request)
        if isinstance(grant, JSONResponse):
            return grant
        if not store.delete_connection(grant.user.user_id, grant.client_id, connection_id):
            body = {"Title": "Not Found", "Status": 404, "Detail": "Connection not found"}
            return JSONResponse(body, status_code=404)
        return Response(status_code=204)

    return router
