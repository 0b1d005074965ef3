"""Xero-shaped response bodies, rendered with orjson (Decimal amounts as JSON numbers).

Every accounting error body follows the spec's ``Error`` schema (``ErrorNumber``, ``Type``,
``Message``, ``Elements``), so clients and tests can parse all of them one way.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import orjson
from starlette.responses import Response

from xero_connector.sandbox.accounting.msdates import ms_timestamp

PROVIDER_NAME = "xero-connector sandbox"
JSON_TYPE = "application/json; charset=utf-8"

VALIDATION_EXCEPTION = (10, "ValidationException", "A validation exception occurred")
POST_DATA_INVALID = (14, "PostDataInvalidException")
QUERY_PARSE = (16, "QueryParseException")
NOT_FOUND_MESSAGE = "The resource you're looking for cannot be found"


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def render(body: Any) -> bytes:
    return orjson.dumps(body, default=_default)


def json_response(body: Any, status: int = 200) -> Response:
    return Response(render(body), status_code=status, media_type=JSON_TYPE)


def envelope(collection: str, items: list[Any], now_ms: int, **extra: Any) -> dict[str, Any]:
    """``{Id, Status, ProviderName, DateTimeUTC, <collection>: [...]}`` as Xero wraps results."""
    return {
        "Id": str(uuid.uuid4()),
        "Status": "OK",
        "ProviderName": PROVIDER_NAME,
        "DateTimeUTC": ms_timestamp(now_ms),
        **extra,
        collection: items,
    }


def error_body(
    number: int, type_: str, message: str, elements: list[Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"ErrorNumber": number, "Type": type_, "Message": message}
    if elements is not None:
        body["Elements"] = elements
    return body


def validation_exception(elements: list[Any]) -> Response:
    number, type_, message = VALIDATION_EXCEPTION
    return json_response(error_body(number, type_, message, elements), 400)


def post_data_invalid(message: str) -> Response:
    number, type_ = POST_DATA_INVALID
    return json_response(error_body(number, type_, message), 400)


def query_parse_error(message: str) -> Response:
    number, type_ = QUERY_PARSE
    return json_response(error_body(number, type_, message), 400)


def not_found() -> Response:
    return json_response({"Type": "ObjectNotFoundException", "Message": NOT_FOUND_MESSAGE}, 404)


def too_large(limit: int) -> Response:
    return json_response(
        {"Type": "RequestEntityTooLarge", "Message": f"The request body exceeds {limit} bytes."},
        413,
    )
