"""``build_accounting_router``: the Accounting API's paths under ``/api.xro/2.0``.

Routes are plain Starlette endpoints on a FastAPI ``APIRouter`` (no request models, no
``jsonable_encoder``): the hot write path reads bytes and answers bytes. Every route authorises with
``world.authorize``; its ``AccessDenied`` becomes a JSON answer with that status.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from xero_connector.sandbox.accounting.charts import SEED_MS
from xero_connector.sandbox.accounting.ledger import Ledger, Record
from xero_connector.sandbox.accounting.listing import select
from xero_connector.sandbox.accounting.query_params import allowed_parameters, unknown_parameter
from xero_connector.sandbox.accounting.read_options import narrow, shape
from xero_connector.sandbox.accounting.resources import RESOURCES, ResourceSpec
from xero_connector.sandbox.accounting.responses import (
    envelope,
    json_response,
    not_found,
    query_parse_error,
)
from xero_connector.sandbox.accounting.schema import field_tree, find_spec, load_components
from xero_connector.sandbox.accounting.store import AccountingStore
from xero_connector.sandbox.accounting.strict import BodyChecker
from xero_connector.sandbox.accounting.where import FieldTree, QueryParseError
from xero_connector.sandbox.accounting.writes import WriteDeps, handle_write
from xero_connector.sandbox.world import AccessDenied, World

BASE = "/api.xro/2.0"
# the schema component of one element of each collection the sandbox serves (for ``where``)
ELEMENTS = {
    "Organisations": "Organisation",
    "Accounts": "Account",
    "TaxRates": "TaxRate",
    "TrackingCategories": "TrackingCategory",
    "Contacts": "Contact",
    "Invoices": "Invoice",
    "BankTransactions": "BankTransaction",
}
Handler = Callable[[Request, str], Awaitable[Response]]


def build_accounting_router(
    world: World, store: AccountingStore, *, openapi_dir: Path | str | None = None
) -> APIRouter:
    """The Accounting API router. In strict mode (``world.config.strict``) it loads and compiles the
    spec's request schemas now, and raises ``SpecNotFoundError`` if the spec cannot be found."""
    checkers = None
    parameters: dict[tuple[str, str], frozenset[str]] | None = None
    trees: dict[str, FieldTree] = {}
    if world.config.strict:
        spec_path = find_spec(openapi_dir)
        checkers = {
            r.collection: BodyChecker(spec_path, r.collection, r.element) for r in RESOURCES
        }
        parameters = allowed_parameters(spec_path)
        trees = {
            collection: field_tree(spec_path, element)
            for collection, element in ELEMENTS.items()
            if element in load_components(spec_path)
        }
    deps = WriteDeps(world, store, checkers)
    router = APIRouter()

    def add(path: str, handler: Handler, methods: list[str]) -> None:
        async def endpoint(request: Request) -> Response:
            try:
                tenant_id = world.authorize(
                    request.headers.get("authorization"), request.headers.get("xero-tenant-id")
                )
            except AccessDenied as denied:
                return json_response(denied.body, denied.status)
            if parameters is not None and (
                unknown := unknown_parameter(
                    parameters, request.method, path, list(request.query_params.keys())
                )
            ):
                return query_parse_error(
                    f"The query parameter '{unknown}' is not one Xero lists for "
                    f"{request.method} {path}; Xero would ignore it (and answer everything), "
                    "the sandbox in strict mode refuses it."
                )
            try:
                return await handler(request, tenant_id)
            except QueryParseError as error:
                return query_parse_error(str(error))

        router.add_route(BASE + path, endpoint, methods=methods, include_in_schema=False)

    def listing(
        collection: str,
        records: Callable[[Ledger, Request], list[Record]],
        *,
        modified_since: bool = False,
    ) -> Handler:
        """``modified_since``: whether Xero honours If-Modified-Since there (its spec lists the
        header on GET /Accounts, not on /Organisation, /TaxRates or /TrackingCategories)."""

        async def handler(request: Request, tenant_id: str) -> Response:
            page = select(
                records(store.ledger(tenant_id), request),
                request.query_params,
                request.headers.get("if-modified-since") if modified_since else None,
                fields=trees.get(collection),
            )
            extra = {"pagination": page.pagination} if page.pagination else {}
            return json_response(envelope(collection, page.items, store.now_ms(), **extra))

        return handler

    add("/Organisation", listing("Organisations", _organisation), ["GET"])
    add("/Accounts", listing("Accounts", _accounts, modified_since=True), ["GET"])
    add("/Accounts/{key}", _one_setting(store, "Accounts", _accounts, "AccountID"), ["GET"])
    add("/TaxRates", listing("TaxRates", _tax_rates), ["GET"])
    add("/TaxRates/{key}", _one_setting(store, "TaxRates", _tax_rates, "TaxType"), ["GET"])
    add("/TrackingCategories", listing("TrackingCategories", _tracking), ["GET"])
    add(
        "/TrackingCategories/{key}",
        _one_setting(store, "TrackingCategories", _any_tracking, "TrackingCategoryID"),
        ["GET"],
    )
    for spec in RESOURCES:
        _add_documents(add, deps, spec, trees.get(spec.collection))
    return router


def _organisation(ledger: Ledger, request: Request) -> list[Record]:
    return [Record(ledger.organisation.tenant_id, SEED_MS, ledger.organisation_body)]


def _accounts(ledger: Ledger, request: Request) -> list[Record]:
    return [Record(a.account_id, a.updated_ms, a.body) for a in ledger.accounts.values()]


def _tax_rates(ledger: Ledger, request: Request) -> list[Record]:
    wanted = request.query_params.get("TaxType")
    return [
        Record(t.tax_type.lower(), t.updated_ms, t.body)
        for t in ledger.tax_rates.values()
        if wanted is None or t.tax_type == wanted.upper()
    ]


def _tracking(ledger: Ledger, request: Request, *, archived: bool | None = None) -> list[Record]:
    if archived is None:
        archived = request.query_params.get("includeArchived", "").lower() == "true"
    records = []
    for category in ledger.tracking.values():
        if category.status != "ACTIVE" and not archived:
            continue
        body = dict(category.body)
        if not archived:
            body["Options"] = [o for o in body["Options"] if o["Status"] == "ACTIVE"]
        records.append(Record(category.category_id, category.updated_ms, body))
    return records


def _any_tracking(ledger: Ledger, request: Request) -> list[Record]:
    """A category read by its id: whatever its status, with all its options."""
    return _tracking(ledger, request, archived=True)


def _one_setting(
    store: AccountingStore,
    collection: str,
    records: Callable[[Ledger, Request], list[Record]],
    id_field: str,
) -> Handler:
    async def handler(request: Request, tenant_id: str) -> Response:
        key = request.path_params["key"].lower()
        found = [r.body for r in records(store.ledger(tenant_id), request) if r.id == key]
        if not found:
            return not_found()
        return json_response(envelope(collection, found, store.now_ms()))

    return handler


def _add_documents(
    add: Callable[[str, Handler, list[str]], None],
    deps: WriteDeps,
    spec: ResourceSpec,
    fields: FieldTree | None,
) -> None:
    store, world = deps.store, deps.world

    async def read_many(request: Request, tenant_id: str) -> Response:
        query = request.query_params
        records: Iterable[Record] = spec.records(store.ledger(tenant_id)).values()
        if spec.collection == "Contacts" and query.get("includeArchived", "").lower() != "true":
            records = (r for r in records if r.body["ContactStatus"] != "ARCHIVED")
        app_id = world.app_of(request.headers.get("authorization"))
        records = narrow(spec.collection, records, query, app_id)
        since = request.headers.get("if-modified-since")
        page = select(records, query, since, spec.id_lists, fields)
        extra = {"pagination": page.pagination} if page.pagination else {}
        items = shape(spec.collection, page.items, query)
        return json_response(envelope(spec.collection, items, store.now_ms(), **extra))

    async def read_one(request: Request, tenant_id: str) -> Response:
        found = spec.find(store.ledger(tenant_id), request.path_params["key"])
        if found is None:
            return not_found()
        return json_response(envelope(spec.collection, [found.body], store.now_ms()))

    async def write_many(request: Request, tenant_id: str) -> Response:
        return await handle_write(deps, spec, request, tenant_id)

    async def write_one(request: Request, tenant_id: str) -> Response:
        found = spec.find(store.ledger(tenant_id), request.path_params["key"])
        if found is None:
            return not_found()
        return await handle_write(deps, spec, request, tenant_id, path_id=found.id)

    add(f"/{spec.collection}", read_many, ["GET"])
    add(f"/{spec.collection}", write_many, ["PUT", "POST"])
    add(f"/{spec.collection}/{{key}}", read_one, ["GET"])
    add(f"/{spec.collection}/{{key}}", write_one, ["POST"])
