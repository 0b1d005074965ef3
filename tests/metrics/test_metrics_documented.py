"""Every metric the registry exports has a row in docs/operations.md saying what healthy is."""

from __future__ import annotations

from pathlib import Path

from xero_connector.metrics import REGISTRY

OPERATIONS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def exported_names() -> set[str]:
    names = set()
    for family in REGISTRY.collect():
        names.add(f"{family.name}_total" if family.type == "counter" else family.name)
    return names


def documented_names() -> set[str]:
    rows = OPERATIONS.read_text(encoding="utf-8").splitlines()
    return {
        line.split("|")[1].strip().strip("`")
        for line in rows
        if line.startswith("| `xero_connector_")
    }


def test_each_exported_metric_is_documented_with_a_healthy_value() -> None:
    exported = exported_names()
    assert "xero_connector_outbox_depth" in exported
    assert exported == documented_names()
