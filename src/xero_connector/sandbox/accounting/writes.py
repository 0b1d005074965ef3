"""PUT and POST batches: size limit, idempotency, strict schema check, rules, Xero's two answers.

``summarizeErrors=false``: 200, every element back with ``StatusAttributeString`` (OK, WARNING or
ERROR) and ``ValidationErrors``; the good ones are saved. Default (``summarizeErrors`` true): if any
element fails, 400 ValidationException listing the failed elements only; the good elements of that
batch ARE saved, as Xero does (the client learns of them only by reading back).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from xero_connector.sandbox.accounting.context import Outcome, WriteContext
from xero_connector.sandbox.accounting.error_elements import serialise_error_element
from xero_connector.sandbox.accounting.idempotency import MAX_KEY_LENGTH, fingerprint
from xero_connector.sandbox.accounting.ledger import Body
from xero_connector.sandbox.accounting.resources import ResourceSpec
from xero_connector.sandbox.accounting.responses import (
    JSON_TYPE,
    VALIDATION_EXCEPTION,
    envelope,
    error_body,
    post_data_invalid,
    render,
    too_large,
)
from xero_connector.sandbox.accounting.store import AccountingStore
from xero_connector.sandbox.accounting.strict import BodyChecker
from xero_connector.sandbox.world import World


@dataclass(frozen=True)
class WriteDeps:
    world: World
    store: AccountingStore
    checkers: dict[str, BodyChecker] | None  # by collection; None when strict mode is off


def _apply_one(ctx: WriteContext, spec: ResourceSpec, element: Any, path_id: str | None) -> Outcome:
    if not isinstance(element, dict):
        return Outcome(errors=[f"Each {spec.label} must be a JSON object."])
    given = element.get(spec.id_field) or path_id
    if path_id and element.get(spec.id_field) and str(element[spec.id_field]).lower() != path_id:
        return Outcome(
            errors=[f"The {spec.id_field} in the body does not match the one in the URL."]
        )
    existing = None
    if given:
        existing = spec.find(ctx.ledger, str(given)) if path_id else None
        existing = existing or spec.records(ctx.ledger).get(str(given).lower())
        if existing is None:
            return Outcome(
                errors=[f"{spec.label} with {spec.id_field} '{given}' could not be found."]
            )
        if ctx.method == "PUT":
            return Outcome(errors=[f"{spec.label} '{given}' already exists; update it with POST."])
    outcome = spec.apply(ctx, element, existing)
    if outcome.record is not None:
        outcome.record.created_by = existing.created_by if existing else ctx.app_id
    return outcome


def _result(spec: ResourceSpec, element: Any, outcome: Outcome) -> Body:
    """An element of the answer: the stored document (OK/WARNING) or, for ERROR, the element
    in Xero's serialisation with its validation errors."""
    if outcome.record is not None:
        result: Body = {
            **outcome.record.body,
            "StatusAttributeString": "WARNING" if outcome.warnings else "OK",
            "ValidationErrors": [],
        }
        if outcome.warnings:
            result["Warnings"] = [{"Message": message} for message in outcome.warnings]
        return result
    echo = serialise_error_element(spec.collection, spec.id_field, element)
    echo["StatusAttributeString"] = "ERROR"
    echo["ValidationErrors"] = [{"Message": message} for message in outcome.errors]
    if spec.error_flag:
        echo[spec.error_flag] = True
    return echo


def _strict(
    deps: WriteDeps, spec: ResourceSpec, data: Any, route: str
) -> Response | dict[int, str]:
    """A whole-request 400 for a body Xero could not read, else the elements that fail on their
    own (index -> message); every violation is counted either way."""
    if deps.checkers is None:
        return {}
    violations = deps.checkers[spec.collection].check(data)
    if not violations:
        return {}
    deps.world.stats.schema_violations.extend(v.as_dict(route) for v in violations)
    unreadable = [v for v in violations if not v.per_element]
    if unreadable:
        detail = "; ".join(v.message for v in unreadable[:5])
        return post_data_invalid(f"JSON for post data was invalid: {detail}")
    return {v.index: v.message for v in violations if v.index is not None}


def _process(
    deps: WriteDeps,
    spec: ResourceSpec,
    request: Request,
    tenant_id: str,
    body: bytes,
    path_id: str | None,
) -> Response:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        return post_data_invalid(f"JSON for post data was invalid: {error}")
    route = f"{request.method} /api.xro/2.0/{spec.collection}"
    failing = _strict(deps, spec, data, route)
    if isinstance(failing, Response):
        return failing
    if isinstance(data, dict) and isinstance(data.get(spec.collection), list):
        elements: list[Any] = data[spec.collection]
    elif isinstance(data, dict) and spec.collection not in data:
        elements = [data]
    else:
        return post_data_invalid(f"JSON for post data was invalid: expected {spec.collection}")
    query = request.query_params
    ctx = deps.store.context(
        tenant_id,
        request.method,
        unit_dp=4 if query.get("unitdp") == "4" else 2,
        app_id=deps.world.app_of(request.headers.get("authorization")),
    )
    outcomes = [
        (
            element,
            Outcome(errors=[failing[index]])
            if index in failing
            else _apply_one(ctx, spec, element, path_id),
        )
        for index, element in enumerate(elements)
    ]
    summarize = query.get("summarizeErrors", "true").lower() != "false"
    if summarize and any(outcome.errors for _, outcome in outcomes):
        number, type_, message = VALIDATION_EXCEPTION
        failed = [_result(spec, el, outcome) for el, outcome in outcomes if outcome.errors]
        return Response(
            render(error_body(number, type_, message, failed)), 400, media_type=JSON_TYPE
        )
    results = [_result(spec, element, outcome) for element, outcome in outcomes]
    return Response(render(envelope(spec.collection, results, ctx.now_ms)), media_type=JSON_TYPE)


async def handle_write(
    deps: WriteDeps,
    spec: ResourceSpec,
    request: Request,
    tenant_id: str,
    path_id: str | None = None,
) -> Response:
    """Answer one PUT/POST to ``spec``'s collection (or to one element of it, ``path_id``)."""
    limit = deps.world.config.max_body_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        return too_large(limit)
    body = await request.body()
    if len(body) > limit:
        return too_large(limit)
    key = request.headers.get("idempotency-key")
    if key is None:
        return _process(deps, spec, request, tenant_id, body, path_id)
    if len(key) > MAX_KEY_LENGTH:
        return post_data_invalid(
            f"The Idempotency-Key must be at most {MAX_KEY_LENGTH} characters."
        )
    now = deps.world.clock.now()
    print_ = fingerprint(request.method, request.url.path, request.url.query, body)
    remembered = deps.store.idempotency.lookup(tenant_id, key, now)
    if remembered is not None:
        if remembered.fingerprint != print_:
            number, type_, _ = VALIDATION_EXCEPTION
            message = f"The Idempotency-Key '{key}' was already used with a different request."
            return Response(
                render(error_body(number, type_, message, [])), 400, media_type=JSON_TYPE
            )
        return Response(remembered.body, remembered.status, media_type=JSON_TYPE)
    response = _process(deps, spec, request, tenant_id, body, path_id)
    deps.store.idempotency.remember(
        tenant_id, key, print_, response.status_code, bytes(response.body), now
    )
    return response
