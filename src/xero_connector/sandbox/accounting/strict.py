"""Strict mode: every write body is checked against xero_accounting.yaml before any rule runs.

A body is either a wrapper (``{"Invoices": [...]}``) or one bare element; the wrapper is checked
shallowly and each element on its own, so a violation names its element (``Invoices[3].LineItems[0]
.Quantity``). Each violation is appended to ``world.stats.schema_violations`` as
``{path, kind, message, route}``.

What follows depends on the kind. A body Xero could not read at all (a wrong type, an unknown
enum value, a malformed GUID, a field Xero does not know: the last is the sandbox's stricter
choice, Xero silently ignores it) is answered 400 with nothing applied. A problem Xero finds
while validating one element (a required field missing, a text too long: ``ELEMENT_KINDS``)
fails that element only, as Xero does, with the violation's message; the others go on.
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

# JSON Schema keywords whose violation Xero reports on the element, not on the whole request
ELEMENT_KINDS = frozenset(
    {"required", "maxLength", "minLength", "maxItems", "minItems", "maximum", "minimum"}
)


@dataclass(frozen=True, slots=True)
class Violation:
    """One place where a body breaks the spec (``index``: which element of the batch)."""

    path: str
    kind: str  # the JSON Schema keyword broken: type, enum, additionalProperties, ...
    message: str
    index: int | None = None

    @property
    def per_element(self) -> bool:
        return self.index is not None and self.kind in ELEMENT_KINDS

    def as_dict(self, route: str) -> dict[str, str]:
        return {"path": self.path, "kind": self.kind, "message": self.message, "route": route}


def _violation(
    error: fastjsonschema.JsonSchemaValueException, prefix: str, index: int | None
) -> Violation:
    name = error.name or "data"
    path = prefix + name.removeprefix("data")
    message = (
        error.message.replace(name, path, 1) if error.message.startswith(name) else error.message
    )
    return Violation(path, error.rule or "schema", message, index)


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
            return self._check_element(body, "$", 0)
        violations: list[Violation] = []
        try:
            self._wrapper(body)
        except fastjsonschema.JsonSchemaValueException as error:
            return [_violation(error, "$", None)]
        for index, element in enumerate(body[self.collection]):
            violations.extend(self._check_element(element, f"{self.collection}[{index}]", index))
        return violations

    def _check_element(self, element: Any, prefix: str, index: int) -> list[Violation]:
        try:
            self._element(element)
        except fastjsonschema.JsonSchemaValueException as error:
            return [_violation(error, prefix, index)]
        return []
