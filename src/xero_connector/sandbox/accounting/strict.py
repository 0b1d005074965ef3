"""Strict mode: every write body is checked against xero_accounting.yaml before any rule runs.

A body is either a wrapper (``{"Invoices": [...]}``) or one bare element; the wrapper is checked
shallowly and each element on its own, so a violation names its element (``Invoices[3].LineItems[0]
.Quantity``). Each violation is appended to ``world.stats.schema_violations`` as
``{path, kind, message, route}``; the request is answered 400 as Xero answers a body it cannot read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastjsonschema

from xero_connector.sandbox.accounting.schema import (
    Validator,
    component_validator,
    wrapper_validator,
)


@dataclass(frozen=True, slots=True)
class Violation:
    """One place where a body breaks the spec."""

    path: str
    kind: str  # the JSON Schema keyword broken: type, enum, additionalProperties, ...
    message: str

    def as_dict(self, route: str) -> dict[str, str]:
        return {"path": self.path, "kind": self.kind, "message": self.message, "route": route}


def _violation(error: fastjsonschema.JsonSchemaValueException, prefix: str) -> Violation:
    name = error.name or "data"
    path = prefix + name.removeprefix("data")
    message = (
        error.message.replace(name, path, 1) if error.message.startswith(name) else error.message
    )
    return Violation(path, error.rule or "schema", message)


class BodyChecker:
    """The compiled request validators of one resource (``Invoices`` of ``Invoice`` elements)."""

    def __init__(self, spec_path: Path, collection: str, element: str) -> None:
        self.collection = collection
        self._wrapper: Validator = wrapper_validator(spec_path, collection, collection)
        self._element: Validator = component_validator(spec_path, element, closed=True)

    def check(self, body: Any) -> list[Violation]:
        """Every violation of the body (at most one per element: validation stops at the first)."""
        if not isinstance(body, dict):
            return [Violation(self.collection, "type", f"{self.collection} must be an object")]
        if self.collection not in body:
            return self._check_element(body, "$")
        violations: list[Violation] = []
        try:
            self._wrapper(body)
        except fastjsonschema.JsonSchemaValueException as error:
            return [_violation(error, "$")]
        for index, element in enumerate(body[self.collection]):
            violations.extend(self._check_element(element, f"{self.collection}[{index}]"))
        return violations

    def _check_element(self, element: Any, prefix: str) -> list[Violation]:
        try:
            self._element(element)
        except fastjsonschema.JsonSchemaValueException as error:
            return [_violation(error, prefix)]
        return []
