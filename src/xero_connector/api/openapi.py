"""The generated OpenAPI document, adjusted to say what the API really answers on errors.

FastAPI documents 422 with its own ``HTTPValidationError`` shape; ours is problem+json (a route's
own 422 description is kept). Every authenticated operation also documents 401 and 403, every
authenticated POST the ``Idempotency-Key`` header, and every ``/v1`` operation 503 (the database
or the Xero configuration unavailable). The ingestion item schemas are added to the components.
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema

from xero_connector.api.ledger_schemas import ITEM_MODELS
from xero_connector.api.problems import PROBLEM_JSON, PROBLEM_SCHEMA

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_DESCRIPTIONS = {
    "401": "Missing or invalid credential",
    "403": "The caller may not do this",
    "422": "Invalid input",
    "503": "Service unavailable: the database is down, or Xero or the keyring is not configured",
}
_FASTAPIS_422 = "Validation Error"


_IDEMPOTENCY_KEY: dict[str, Any] = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": "Within 24 hours the same key and request get the first answer again "
    "(`Idempotent-Replayed: true`); the same key with another request is 422; while the first "
    "request runs, 409. Scoped to the caller and its workspace.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}


def _problem_response(status: str, description: str | None = None) -> dict[str, Any]:
    return {
        "description": description or _DESCRIPTIONS[status],
        "content": {PROBLEM_JSON: {"schema": _PROBLEM_REF}},
    }


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """The app's schema with problem+json error responses."""
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = copy.deepcopy(PROBLEM_SCHEMA)
    # Ingestion bodies validate each item on its own, so FastAPI never sees the item models.
    _, item_schemas = models_json_schema(
        [(model, "validation") for model in ITEM_MODELS],
        ref_template="#/components/schemas/{model}",
    )
    schemas.update(item_schemas.get("$defs", {}))
    for path, path_item in schema.get("paths", {}).items():
        for method, operation in path_item.items():
            if method == "post" and operation.get("security"):
                operation.setdefault("parameters", []).append(copy.deepcopy(_IDEMPOTENCY_KEY))
            responses = operation.setdefault("responses", {})
            if "422" in responses:
                declared = responses["422"].get("description")
                responses["422"] = _problem_response(
                    "422", None if declared == _FASTAPIS_422 else declared
                )
            if operation.get("security"):
                responses.setdefault("401", _problem_response("401"))
                responses.setdefault("403", _problem_response("403"))
            if path.startswith("/v1"):
                responses.setdefault("503", _problem_response("503"))
            for response in responses.values():
                content = response.get("content", {})
                if PROBLEM_JSON in content and not content[PROBLEM_JSON]:
                    content[PROBLEM_JSON] = {"schema": dict(_PROBLEM_REF)}
    return schema


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` return (and cache) :func:`build_openapi`'s document."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
