"""The generated OpenAPI document, adjusted to say what the API really answers on errors.

FastAPI documents 422 with its own ``HTTPValidationError`` shape; ours is problem+json (a route's
own 422 description is kept). Every authenticated operation also documents 401 and 403, and
every ``/v1`` operation 503 (the database or the Xero configuration unavailable).
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from xero_connector.api.problems import PROBLEM_JSON, PROBLEM_SCHEMA

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_DESCRIPTIONS = {
    "401": "Missing or invalid credential",
    "403": "The caller may not do this",
    "422": "Invalid input",
    "503": "Service unavailable: the database is down, or Xero or the keyring is not configured",
}
_FASTAPIS_422 = "Validation Error"


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
    for path, path_item in schema.get("paths", {}).items():
        for operation in path_item.values():
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
