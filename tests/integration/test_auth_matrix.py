"""Every role x every route x own/other space (and revoked/expired keys), read from the app itself:
a route added without `require(...)` fails here, and so does one that lets a role or a space in
where it should not."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from alertstatus.api.app import api_routes
from alertstatus.auth.models import Role
from tests.conftest import run_with_key_store
from tests.integration.test_auth import key_id_of

# Routes anyone may call: the API description and the health check (docs/security.md).
PUBLIC = {
    "/openapi.json",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
    "/api/status",
    "/s/{space_id}/api/status",
}
FORBIDDEN_BODIES = (
    {"statusCode": 403, "error": "Forbidden"},  # Kibana
    {"detail": "Not enough permissions"},  # CHAD
    {"status": 403, "error": "Forbidden"},  # UTMStack (Spring's error body)
)


def role_requirements(dependant):
    """Every `require(...)` dependency of a route, however deeply nested."""
    for dependency in dependant.dependencies:
        if hasattr(dependency.call, "required_role"):
            yield dependency.call
        yield from role_requirements(dependency)


def guarded_routes(app) -> list[tuple[str, str, Role, bool]]:
    """(method, path, required role, space-scoped) for every route behind `require`."""
    found = []
    for route in api_routes():
        if route.path in PUBLIC:
            continue
        requirements = list(role_requirements(route.dependant))
        assert requirements, f"{route.path} has no require(...) dependency"
        needed = max((call.required_role for call in requirements), key=lambda r: r.rank)
        in_space = all(call.in_space for call in requirements)
        found.extend((method, route.path, needed, in_space) for method in sorted(route.methods))
    return found


def concrete(path: str, space_id: str, target: str = "x") -> str:
    """`path` in `space_id`; `target` names the space a spaces route acts on (`{id}`), which the
    caller's keys hold in both cases: the URL's space is what "own" and "other" vary."""
    filled = path.replace("{space_id}", space_id).replace("{task_id}", "n0:1")
    filled = filled.replace("/api/spaces/space/{id}", f"/api/spaces/space/{target}")
    return re.sub(r"\{[^}]+\}", "x", filled)


def test_every_role_on_every_route_in_own_and_other_space(make_client, make_key, es, es_url):
    own, other = f"own-{uuid.uuid4().hex[:8]}", f"other-{uuid.uuid4().hex[:8]}"
    client = make_client(authorization=None)
    routes = guarded_routes(client.app)
    assert any("signals/status" in path for _, path, _, _ in routes)
    keys = {
        role: {
            "both": make_key(role.value, (own, "default")),
            "own_only": make_key(role.value, (own,)),
        }
        for role in Role
    }
    revoked = make_key("admin", None)
    run_with_key_store(es_url, lambda store: store.revoke(key_id_of(revoked)))
    expired = make_key("admin", None, expires_at=datetime.now(UTC) - timedelta(seconds=1))
    indices_before = {
        row["index"]
        for row in es.call("GET", "/_cat/indices", expand_wildcards="all", format="json")
    }
    checked = 0
    for method, path, needed, in_space in routes:
        anonymous = client.request(method, concrete(path, own), json={})
        assert anonymous.status_code == 401, (method, path)
        for dead in (revoked, expired):
            refused = client.request(
                method, concrete(path, own), json={}, headers={"authorization": dead}
            )
            assert refused.status_code == 401, (method, path, refused.text)
        for role in Role:
            for where in ("own", "other"):
                if "{space_id}" in path:
                    url = concrete(path, own if where == "own" else other, own)
                    header = keys[role]["both"]
                else:  # the default space: "other" is a key that lacks it
                    url = concrete(path, own, own)
                    header = keys[role]["both" if where == "own" else "own_only"]
                response = client.request(method, url, json={}, headers={"authorization": header})
                allowed = role.allows(needed) and (where == "own" or not in_space)
                label = (method, path, role.value, where, response.status_code, response.text)
                if allowed:
                    assert response.status_code not in (401, 403), label
                else:
                    assert response.status_code == 403, label
                    body = response.json()
                    assert any(body.items() >= shape.items() for shape in FORBIDDEN_BODIES), label
                checked += 1
    assert checked == len(routes) * len(Role) * 2
    indices_after = {
        row["index"]
        for row in es.call("GET", "/_cat/indices", expand_wildcards="all", format="json")
    }
    assert not any(other in index for index in indices_after - indices_before)


@pytest.mark.parametrize("path", sorted(PUBLIC - {"/docs/oauth2-redirect"}))
def test_public_routes_answer_without_credentials(make_client, path):
    assert make_client(authorization=None).get(concrete(path, "default")).status_code == 200
