"""Caller authentication: API keys (stored hashed), dashboard JWTs, roles and workspace scoping.

Routers see only :class:`~xero_connector.auth.caller.Caller` (through ``CallerDep``) and
:class:`~xero_connector.auth.policy.Action`.
"""

from xero_connector.auth.caller import Caller
from xero_connector.auth.policy import Action, Role

__all__ = ["Action", "Caller", "Role"]
