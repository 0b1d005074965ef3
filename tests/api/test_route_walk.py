"""Every ``/v1`` route but the callback depends on the caller and on a workspace scope check.

Walking the routers (not a list kept by hand) means a route added later cannot forget either: it
fails here until it declares how it is scoped, or declares that it acts on no workspace.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from xero_connector.api.deps import get_caller
from xero_connector.api.scope import WORKSPACE_CHECKS
from xero_connector.main import ROUTERS, create_app
from xero_connector.settings import Settings

UNAUTHENTICATED = {"/v1/callback"}  # authenticated by its state alone


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def _v1_routes() -> list[APIRoute]:
    routes = [
        route
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute) and route.path.startswith("/v1")
    ]
    assert routes, "no /v1 routes found: the walk would check nothing"
    return routes


def test_the_walk_sees_every_served_v1_route() -> None:
    served = {
        path
        for path in create_app(Settings.model_construct()).openapi()["paths"]
        if path.startswith("/v1")
    }
    assert {route.path for route in _v1_routes()} == served


def test_every_v1_route_but_the_callback_depends_on_the_caller() -> None:
    missing = [
        f"{sorted(route.methods or ())} {route.path}"
        for route in _v1_routes()
        if route.path not in UNAUTHENTICATED and get_caller not in set(_calls(route.dependant))
    ]
    assert missing == []


def test_every_v1_route_but_the_callback_declares_its_workspace_scope() -> None:
    missing = [
        f"{sorted(route.methods or ())} {route.path}"
        for route in _v1_routes()
        if route.path not in UNAUTHENTICATED
        and not set(_calls(route.dependant)) & set(WORKSPACE_CHECKS)
    ]
    assert missing == []


def test_the_callback_needs_no_caller() -> None:
    [callback] = [route for route in _v1_routes() if route.path == "/v1/callback"]
    assert get_caller not in set(_calls(callback.dependant))
