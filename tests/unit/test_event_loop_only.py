"""Every route and every dependency it declares runs on the event loop.

FastAPI runs a plain `def` dependency or endpoint in a worker thread, a hand-off per call that
cost about a millisecond per request on a two-core machine (docs/performance.md, "The service's
own time"). Nothing of ours blocks, so all of them are `async def`.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

from fastapi.dependencies.models import Dependant

from alertstatus.api.app import api_routes


def callables(dependant: Dependant) -> Iterator[Any]:
    """The endpoint and each dependency below it, depth first."""
    if dependant.call is not None:
        yield dependant.call
    for below in dependant.dependencies:
        yield from callables(below)


def test_no_route_or_dependency_runs_in_a_thread() -> None:
    routes = api_routes()
    assert len(routes) > 50  # the whole API, both the plain and the `/s/{space_id}` routes
    threaded = {
        f"{route.path}: {getattr(call, '__qualname__', call)}"
        for route in routes
        for call in callables(route.dependant)
        if not (inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call))
    }
    assert not threaded, sorted(threaded)
