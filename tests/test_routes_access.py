"""Every route declares its access: the Public marker or a registered actor dependency."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi.routing import APIRoute
from starlette.routing import Mount, Route

from xinyong.app import create_app
from xinyong.web import ACCESS_DEPENDENCIES

#: Framework routes that serve no data of ours.
FRAMEWORK_ROUTES = {"/api/openapi.json"}


def _calls(dependant) -> set[object]:  # type: ignore[no-untyped-def]
    found = set()
    for dep in dependant.dependencies:
        found.add(dep.call)
        found |= _calls(dep)
    return found


def flat_routes(app) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """Every route of ``app``: FastAPI >= 0.16x keeps included routers as one ``_IncludedRouter``
    entry each, whose API routes come out of ``effective_route_contexts()`` (path with prefix,
    methods, dependant with the router's dependencies)."""
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:
            yield from contexts()
        else:
            yield route


def undeclared_routes(app) -> list[str]:  # type: ignore[no-untyped-def]
    missing = []
    for route in flat_routes(app):
        if isinstance(route, APIRoute) or hasattr(route, "dependant"):
            if not (_calls(route.dependant) & ACCESS_DEPENDENCIES):
                missing.append(f"{sorted(route.methods)} {route.path}")
        elif isinstance(route, Mount):
            assert route.path == "/static", f"unexpected mount {route.path}"
        elif isinstance(route, Route) and route.path not in FRAMEWORK_ROUTES:
            missing.append(route.path)
    return missing


def test_every_route_declares_access() -> None:
    app = create_app()
    paths = {r.path for r in flat_routes(app)}
    assert {"/api/v1/staff/batches", "/console/lists", "/console/ingestion/batches/{batch_id}"} <= paths
    assert undeclared_routes(app) == []


def test_a_route_without_declaration_is_caught() -> None:
    app = create_app()

    @app.get("/undeclared")
    def undeclared() -> dict[str, str]:
        return {}

    assert undeclared_routes(app) == ["['GET'] /undeclared"]
