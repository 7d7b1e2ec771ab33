"""Every Kibana route exists at `/path` and at `/s/{space_id}/path`, as Kibana serves them.

Read from the app itself: a Kibana-dialect route added on a plain APIRouter instead of a
SpacedRouter (api/spaces.py) has no twin and fails here, `/api/status` and the Spaces API included.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from alertstatus.api.app import create_app
from alertstatus.api.spaces import SPACE_PREFIX
from alertstatus.settings import Settings


def served_routes(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """(full path, route) for every route the app serves, through the routers it includes
    (FastAPI keeps an included router as one entry whose `original_router` holds the routes)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif (included := getattr(route, "original_router", None)) is not None:
            yield from served_routes(included.routes, prefix + route.include_context.prefix)


def kibana_routes() -> dict[str, set[str]]:
    """Methods by path, for every route of the app that answers in Kibana's dialect."""
    app = create_app(Settings(ELASTICSEARCH_URL="http://127.0.0.1:9"))
    found: dict[str, set[str]] = defaultdict(set)
    for path, route in served_routes(app.routes):
        dialect = getattr(route, "error_dialect", None)
        if dialect is not None and dialect.name == "kibana":
            found[path].update(route.methods)
    assert len(found) > 10, "the walk found no Kibana routes: FastAPI's layout changed?"
    return found


def test_every_kibana_route_has_its_space_prefixed_twin() -> None:
    routes = kibana_routes()
    plain = {path: methods for path, methods in routes.items() if not path.startswith("/s/")}
    missing = [
        (path, sorted(methods - routes.get(SPACE_PREFIX + path, set())))
        for path, methods in sorted(plain.items())
        if methods - routes.get(SPACE_PREFIX + path, set())
    ]
    assert not missing, f"Kibana routes without their {SPACE_PREFIX} twin: {missing}"
    orphans = [path for path in routes if path.startswith("/s/")]
    assert all(path.removeprefix(SPACE_PREFIX) in plain for path in orphans), orphans


def test_the_walk_sees_the_routes_clients_call_first() -> None:
    """kibana-py checks a space with the Spaces API; connection tests call the status route."""
    routes = kibana_routes()
    for path in (
        "/api/status",
        "/api/spaces/space",
        "/api/spaces/space/{id}",
        "/api/detection_engine/signals/status",
        "/api/detection_engine/signals/search",
    ):
        assert path in routes and SPACE_PREFIX + path in routes, path
    assert routes["/api/spaces/space/{id}"] == {"GET", "PUT", "DELETE"}
