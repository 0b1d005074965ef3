"""The roles' rights, exactly as ARCHITECTURE.md's "Callers" lists them."""

from __future__ import annotations

import pytest

from xero_connector.auth import Action, Caller, Role
from xero_connector.errors import Forbidden, InvalidInput


def rights(role: Role) -> set[str]:
    caller = Caller(actor="t", role=role)
    return {action.value for action in Action if caller.can(action)}


def test_service_may_do_everything() -> None:
    assert rights(Role.SERVICE) == {a.value for a in Action}


def test_ops_reads_syncs_disconnects_and_audits_only() -> None:
    assert rights(Role.OPS) == {"read", "sync", "disconnect", "audit"}


def test_dashboard_may_not_ingest_or_audit() -> None:
    assert rights(Role.DASHBOARD) == {"connect", "read", "map", "sync", "disconnect"}


def test_require_raises_403_naming_role_and_action() -> None:
    with pytest.raises(Forbidden, match="ops role may not ingest"):
        Caller(actor="t", role=Role.OPS).require(Action.INGEST)


def test_workspace_for_defaults_to_the_binding() -> None:
    assert Caller(actor="t", role=Role.DASHBOARD, workspace_id="w").workspace_for(None) == "w"


def test_workspace_for_an_unbound_key_requires_a_workspace() -> None:
    with pytest.raises(InvalidInput):
        Caller(actor="t", role=Role.SERVICE).workspace_for(None)


def test_workspace_for_checks_format_before_binding() -> None:
    bound = Caller(actor="t", role=Role.SERVICE, workspace_id="w")
    with pytest.raises(InvalidInput):
        bound.workspace_for("bad id")
    with pytest.raises(Forbidden):
        bound.workspace_for("other")


@pytest.mark.parametrize("value", ["a", "A.b_c:d-9", "x" * 128])
def test_well_formed_workspace_ids_pass(value: str) -> None:
    assert Caller(actor="t", role=Role.SERVICE).workspace_for(value) == value


def test_can_see() -> None:
    assert Caller(actor="t", role=Role.OPS).can_see("any")
    bound = Caller(actor="t", role=Role.DASHBOARD, workspace_id="w")
    assert bound.can_see("w")
    assert not bound.can_see("v")
