"""Roles and the actions each may perform (ARCHITECTURE.md, "Callers")."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Who the caller is: `service` and `ops` are API-key roles, `dashboard` is a JWT."""

    SERVICE = "service"
    OPS = "ops"
    DASHBOARD = "dashboard"


class Action(StrEnum):
    """What a route does, for the authorisation check.

    `GET /v1/me` lists only the actions of routes that exist (``SERVED_ACTIONS``).
    """

    CONNECT = "connect"
    READ = "read"
    MAP = "map"
    INGEST = "ingest"
    SYNC = "sync"
    DISCONNECT = "disconnect"
    AUDIT = "audit"


RIGHTS: dict[Role, frozenset[Action]] = {
    Role.SERVICE: frozenset(Action),
    Role.OPS: frozenset({Action.READ, Action.SYNC, Action.DISCONNECT, Action.AUDIT}),
    Role.DASHBOARD: frozenset(
        {Action.CONNECT, Action.READ, Action.MAP, Action.SYNC, Action.DISCONNECT}
    ),
}

SERVED_ACTIONS = (
    Action.CONNECT,
    Action.READ,
    Action.MAP,
    Action.INGEST,
    Action.SYNC,
    Action.DISCONNECT,
    Action.AUDIT,
)
"""The actions some route performs today; add one here with its first route."""

KEY_ROLES = (Role.SERVICE, Role.OPS)
"""The roles an API key may have (``dashboard`` is only ever a JWT)."""


def allows(role: Role, action: Action) -> bool:
    """True when ``role`` may perform ``action``."""
    return action in RIGHTS[role]
