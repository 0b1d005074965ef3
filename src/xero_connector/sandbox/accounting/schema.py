"""Xero's accounting OpenAPI description as JSON Schema, compiled once with fastjsonschema.

Where the spec is: an explicit directory, else ``$XERO_SANDBOX_OPENAPI_DIR``, else the first
``shared/xero-openapi/xero_accounting.yaml`` found walking up from the working directory and from
this package (the project keeps it in ``../shared/xero-openapi`` beside its root).

Conversion from OpenAPI 3.0 components: ``#/components/schemas/X`` refs become ``#/definitions/X``;
annotations (``description``, ``example``, ``x-*``, ``readOnly``...) are dropped, and so is
``default``, whose values in this spec are sometimes strings on booleans (``default: "false"``) and
which a validator must never write into a body. ``nullable`` becomes a ``null`` type. Request
schemas are *closed* (``additionalProperties: false``), so a misspelt field is caught; response
schemas are open, as Xero adds envelope fields (``Id``, ``ProviderName``...) the spec does not list.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import fastjsonschema
import yaml

from xero_connector.sandbox.accounting.where import FieldTree

ENV_VAR = "XERO_SANDBOX_OPENAPI_DIR"
SPEC_FILE = "xero_accounting.yaml"
_RELATIVE = Path("shared") / "xero-openapi"
_DROPPED = frozenset(
    {
        "description",
        "example",
        "externalDocs",
        "readOnly",
        "writeOnly",
        "default",
        "xml",
        "deprecated",
        "discriminator",
        "title",
        "nullable",
    }
)
_UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_FORMATS: dict[str, str | Callable[[str], bool]] = {
    "uuid": _UUID,
    "double": lambda _: True,
    "float": lambda _: True,
    "int32": lambda _: True,
    "int64": lambda _: True,
}

Validator = Callable[[Any], Any]

# Fields Xero returns but the spec does not list; a client that sends back what it read must not be
# punished for them by the closed request schemas.
_UNLISTED: dict[str, tuple[str, ...]] = {
    "Invoice": ("DateString", "DueDateString"),
    "BankTransaction": ("DateString",),
}


class SpecNotFoundError(RuntimeError):
    """Strict mode needs Xero's OpenAPI description and it is not where it was looked for."""


def find_spec(openapi_dir: Path | str | None = None) -> Path:
    """The path of ``xero_accounting.yaml``, or SpecNotFoundError naming where it looked."""
    explicit = openapi_dir or os.environ.get(ENV_VAR)
    if explicit:
        candidate = Path(explicit) / SPEC_FILE
        if candidate.is_file():
            return candidate
        raise SpecNotFoundError(
            f"{SPEC_FILE} is not in {explicit} (from the sandbox's OpenAPI directory argument or "
            f"${ENV_VAR}); strict mode needs it. Point it at the directory holding Xero's "
            "accounting OpenAPI description, or start the sandbox with --no-strict."
        )
    looked: list[str] = []
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for folder in (start, *start.parents):
            candidate = folder / _RELATIVE / SPEC_FILE
            if candidate.is_file():
                return candidate
        looked.append(str(start))
    raise SpecNotFoundError(
        f"Cannot find {_RELATIVE / SPEC_FILE} above {' or '.join(looked)}; strict mode needs "
        f"Xero's accounting OpenAPI description. Set ${ENV_VAR} to its directory, or start the "
        "sandbox with --no-strict."
    )


@lru_cache(maxsize=4)
def load_components(spec_path: Path) -> dict[str, Any]:
    """``components.schemas`` of the spec (parsed once per path)."""
    with spec_path.open(encoding="utf-8") as handle:
        spec = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    schemas: dict[str, Any] = spec["components"]["schemas"]
    return schemas


def convert(node: Any, *, closed: bool) -> Any:
    """One OpenAPI schema node as JSON Schema (see the module docstring)."""
    if isinstance(node, list):
        return [convert(item, closed=closed) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return {"$ref": str(node["$ref"]).replace("#/components/schemas/", "#/definitions/")}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED or key.startswith("x-"):
            continue
        if key == "properties":
            out[key] = {name: convert(sub, closed=closed) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "allOf", "anyOf", "oneOf", "not"):
            out[key] = convert(value, closed=closed)
        else:
            out[key] = value
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    if closed and "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


@lru_cache(maxsize=4)
def definitions(spec_path: Path, closed: bool) -> dict[str, Any]:
    converted = {
        name: convert(schema, closed=closed) for name, schema in load_components(spec_path).items()
    }
    for name, fields in _UNLISTED.items():
        for field in fields:
            converted[name]["properties"].setdefault(field, {"type": "string"})
    return converted


def compile_schema(spec_path: Path, root: dict[str, Any], *, closed: bool) -> Validator:
    """A fastjsonschema validator of ``root`` (which may ``$ref`` any component)."""
    document = {**root, "definitions": definitions(spec_path, closed)}
    validator: Validator = fastjsonschema.compile(
        document, formats=_FORMATS, use_default=False, detailed_exceptions=True
    )
    return validator


@lru_cache(maxsize=64)
def component_validator(spec_path: Path, name: str, *, closed: bool) -> Validator:
    """A compiled validator of one component schema (cached per spec, name and closedness)."""
    return compile_schema(spec_path, {"$ref": f"#/definitions/{name}"}, closed=closed)


@lru_cache(maxsize=16)
def wrapper_validator(spec_path: Path, name: str, key: str) -> Validator:
    """A closed validator of a batch wrapper (``Invoices``) that checks its array only shallowly:
    the elements are validated one by one, so each violation is told against its element."""
    wrapper = convert(load_components(spec_path)[name], closed=True)
    wrapper["properties"][key] = {"type": "array"}
    return compile_schema(spec_path, wrapper, closed=True)


@lru_cache(maxsize=32)
def field_tree(spec_path: Path, name: str, depth: int = 3) -> FieldTree:
    """The fields of component ``name`` for ``where`` (nested objects ``depth`` levels deep)."""
    components = load_components(spec_path)
    fields: dict[str, tuple[str, FieldTree | None]] = {}
    properties: dict[str, Any] = dict(components[name].get("properties", {}))
    for extra in _UNLISTED.get(name, ()):
        properties.setdefault(extra, {"type": "string"})
    for field, node in properties.items():
        sub: FieldTree | None = None
        ref = node.get("$ref") if isinstance(node, dict) else None
        if ref and depth > 1:
            target = str(ref).rsplit("/", 1)[-1]
            if "properties" in components.get(target, {}):
                sub = field_tree(spec_path, target, depth - 1)
        fields[field.lower()] = (field, sub)
    return FieldTree(name, fields)
