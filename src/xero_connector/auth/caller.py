"""The authenticated caller and the questions routers ask it."""

from __future__ import annotations

from dataclasses import dataclass

from xero_connector.auth.policy import Action, Role, allows
from xero_connector.auth.workspace import check_workspace_id
from xero_connector.errors import Forbidden, InvalidInput


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling, with which role, bound to which workspace (if any).

    ``workspace_id`` is the binding: a dashboard JWT's own workspace, or the workspace an API key
    was created for. ``None`` means an unbound key that may act for any workspace.
    ``actor`` is the non-secret name written to audit events (``api_key:<id>``, ``jwt:<sub>``).
    """

    actor: str
    role: Role
    workspace_id: str | None = None
    key_id: str | None = None

    def can(self, action: Action) -> bool:
        """True when the caller's role may perform ``action``."""
        return allows(self.role, action)

    def require(self, action: Action) -> None:
        """Raise 403 unless the caller's role may perform ``action``."""
        if not self.can(action):
            raise Forbidden(f"the {self.role.value} role may not {action.value}")

    def workspace_for(self, requested: str | None) -> str:
        """The workspace a request acts on.

        A named workspace is checked for format (422) and against the caller's binding (403).
        Without one, a bound caller acts on its own workspace and an unbound key gets 422.
        """
        if requested is None:
            if self.workspace_id is None:
                raise InvalidInput("workspace_id is required")
            return self.workspace_id
        check_workspace_id(requested)
        if self.workspace_id is not None and requested != self.workspace_id:
            raise Forbidden("this credential may not act for that workspace")
        return requested

    def can_see(self, workspace_id: str) -> bool:
        """True when a resource of ``workspace_id`` is visible (routers turn False into 404)."""
        return self.workspace_id is None or self.workspace_id == workspace_id
