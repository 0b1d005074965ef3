"""Validate bodies against Xero's OpenAPI documents in ../shared/xero-openapi (beside the project).

OpenAPI 3.0 schema objects are read as JSON Schema draft 4 (which 3.0 follows), with every
``#/components/...`` reference resolved inside the same document. Formats are checked: ``uuid``
as usual, ``date-time`` as Xero writes it, possibly without an offset
(``2019-12-07T18:46:19.5165400`` is UTC by Xero's convention).
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

XERO_OPENAPI_DIR = Path(__file__).resolve().parents[3] / "shared" / "xero-openapi"
_XERO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})?$"
)

checker = FormatChecker()


@checker.checks("date-time", raises=ValueError)
def _xero_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _XERO_DATETIME.match(value):
        return False
    datetime.fromisoformat(value[:19])  # raises on an impossible date or time
    return True


@cache
def document(spec: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((XERO_OPENAPI_DIR / spec).read_text(encoding="utf-8"))
    return loaded


def component(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def response_schema(spec: str, path: str, method: str, status: str) -> dict[str, Any]:
    operation = document(spec)["paths"][path][method]
    schema: dict[str, Any] = operation["responses"][status]["content"]["application/json"]["schema"]
    return schema


def errors(spec: str, schema: dict[str, Any], body: object) -> list[str]:
    """Every way ``body`` fails ``schema`` (taken from, or referring into, ``spec``)."""
    uri = f"urn:xero:{spec}"

    def anchor(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                key: uri + value
                if key == "$ref" and isinstance(value, str) and value.startswith("#")
                else anchor(value)
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [anchor(item) for item in node]
        return node

    resource = Resource.from_contents(document(spec), default_specification=DRAFT4)
    registry: Registry[Any] = Registry().with_resource(uri, resource)
    validator = Draft4Validator(anchor(schema), registry=registry, format_checker=checker)
    return sorted(f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body))
