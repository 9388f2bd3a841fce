"""Every route declares its access: the Public marker or a registered actor dependency."""

from __future__ import annotations

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


def undeclared_routes(app) -> list[str]:  # type: ignore[no-untyped-def]
    missing = []
    for route in app.routes:
        if isinstance(route, APIRoute):
            if not (_calls(route.dependant) & ACCESS_DEPENDENCIES):
                missing.append(f"{sorted(route.methods)} {route.path}")
        elif isinstance(route, Mount):
            assert route.path == "/static", f"unexpected mount {route.path}"
        elif isinstance(route, Route) and route.path not in FRAMEWORK_ROUTES:
            missing.append(route.path)
    return missing


def test_every_route_declares_access() -> None:
    assert undeclared_routes(create_app()) == []


def test_a_route_without_declaration_is_caught() -> None:
    app = create_app()

    @app.get("/undeclared")
    def undeclared() -> dict[str, str]:
        return {}

    assert undeclared_routes(app) == ["['GET'] /undeclared"]
