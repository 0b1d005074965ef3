"""Request and response bodies of the connect and connections routes.

Timestamps leave as RFC 3339 in UTC (``2026-03-02T10:00:00Z``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from xero_connector.auth.workspace import WORKSPACE_ID_PATTERN
from xero_connector.db.models import Connection

WORKSPACE_REQUIRED = (
    "Required for an unbound API key (422 without it); a dashboard JWT's or a bound key's "
    "own workspace when omitted (naming another one: 403)."
)

UtcDatetime = Annotated[AwareDatetime, AfterValidator(lambda value: value.astimezone(UTC))]


class ConnectRequest(BaseModel):
    """Start connecting a workspace to Xero."""

    model_config = ConfigDict(extra="forbid")

    workspace_id: str | None = Field(
        None,
        description=f"The workspace to connect. {WORKSPACE_REQUIRED}",
        json_schema_extra={"pattern": WORKSPACE_ID_PATTERN},
    )
    return_url: str | None = Field(
        None,
        max_length=2048,
        description="Where the browser goes after the callback; its origin must be one of "
        "XERO_CONNECTOR_RETURN_URL_ORIGINS. Without it the callback shows a small page.",
    )


class ConnectResponse(BaseModel):
    """Send the user's browser to ``authorize_url`` before ``expires_at``."""

    authorize_url: str
    expires_at: UtcDatetime


ConnectionStatus = Literal["active", "needs_reauth", "disconnected"]


class LastSync(BaseModel):
    """The latest sync run of a connection: null for now (the sync capability is not built yet)."""

    run_id: str
    status: str
    finished_at: UtcDatetime | None


class ConnectionOut(BaseModel):
    """One Xero organisation connected by one workspace."""

    id: str
    workspace_id: str
    tenant_id: str
    tenant_name: str | None
    tenant_type: str | None
    status: ConnectionStatus
    created_at: UtcDatetime
    updated_at: UtcDatetime
    disconnected_at: UtcDatetime | None = None
    settings_pulled_at: UtcDatetime | None = None
    rate_limited_until: UtcDatetime | None = None
    last_sync: LastSync | None = None

    @classmethod
    def of(cls, connection: Connection) -> ConnectionOut:
        return cls(
            id=connection.id,
            workspace_id=connection.workspace_id,
            tenant_id=connection.tenant_id,
            tenant_name=connection.tenant_name,
            tenant_type=connection.tenant_type,
            status=connection.status,
            created_at=connection.created_at,
            updated_at=connection.updated_at,
            disconnected_at=connection.disconnected_at,
            settings_pulled_at=connection.settings_pulled_at,
            rate_limited_until=_future_or_none(connection.rate_limited_until),
        )


class ConnectionPage(BaseModel):
    """A page of connections; pass ``next_cursor`` as ``cursor`` for the next one."""

    items: list[ConnectionOut]
    next_cursor: str | None


def _future_or_none(value: datetime | None) -> datetime | None:
    return value if value is not None and value > datetime.now(UTC) else None
