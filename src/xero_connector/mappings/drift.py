"""Drift: a stored mapping whose target the last pull found archived, deleted, or changed.

A mapping is ``ok`` while its target passes the same checks a PUT applies and still has the type,
class and tax applicability it had when it was mapped; otherwise it is ``drifted`` with the
reason. Storing the mapping again (a PUT naming it) accepts a change that is still valid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xero_connector.db.settings_models import Mapping
from xero_connector.mappings.catalog import Catalog
from xero_connector.mappings.targets import Target, TargetError, find_target, stored_label


@dataclass(frozen=True)
class MappingState:
    """A stored mapping as it reads against the cached settings now."""

    mapping: Mapping
    label: str
    reason: str | None  # None: ok
    target: Target | None  # the usable target (None when drifted)

    @property
    def status(self) -> str:
        return "ok" if self.reason is None else "drifted"


def _changed(kind: str, before: dict[str, Any], now: dict[str, Any], label: str) -> str | None:
    if kind in ("account", "bank_account"):
        for field in ("type", "class"):
            if before.get(field) != now.get(field):
                return (
                    f"account {label} changed {field} from {before.get(field)} to "
                    f"{now.get(field)} since it was mapped"
                )
    if kind == "tax" and sorted(before.get("can_apply_to", [])) != sorted(now["can_apply_to"]):
        was = ", ".join(before.get("can_apply_to", [])) or "nothing"
        return (
            f"tax rate {label} now applies to {', '.join(now['can_apply_to']) or 'nothing'} "
            f"(was {was}) since it was mapped"
        )
    return None


def mapping_state(mapping: Mapping, catalog: Catalog) -> MappingState:
    label = stored_label(mapping.kind, mapping.target, catalog)
    try:
        target = find_target(mapping.kind, mapping.target, catalog)
    except TargetError as error:
        return MappingState(mapping, label, str(error), None)
    if reason := _changed(mapping.kind, mapping.snapshot, target.snapshot, target.label):
        return MappingState(mapping, target.label, reason, None)
    return MappingState(mapping, target.label, None, target)
