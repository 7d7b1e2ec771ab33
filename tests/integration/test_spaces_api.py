"""Kibana's Spaces API against the real node: behaviours ported from Kibana's API integration
suites (x-pack/test/spaces_api_integration/common/suites/{create,get,get_all,update,delete}
.agnostic.ts), each at both paths as `getTestScenariosForSpace` runs them, plus what is ours: spaces
that exist only as alerts, alerts kept on delete, keys that see only their spaces, the space limit.
"""

from __future__ import annotations

import uuid

import pytest

from alertstatus.engine.indices import alerts_alias

NOT_FOUND = {"statusCode": 404, "error": "Not Found", "message": "Not Found"}
KIBANA_DEFAULT = {
    "id": "default",
    "name": "Default",
    "description": "This is your default space!",
    "color": "#00bfb3",
    "disabledFeatures": [],
    "_reserved": True,
}


def new_id(prefix: str = "sp") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def marketing(space_id: str, **changes) -> dict:
    return {
        "name": "marketing",
        "id": space_id,
        "description": "a description",
        "color": "#5c5959",
        "disabledFeatures": [],
        **changes,
    }


@pytest.fixture(params=["", "/s/{space}"], ids=["root", "space-prefix"])
def prefix(request, space) -> str:
    """Kibana serves the Spaces API under a space prefix too; the prefix changes nothing."""
    return request.param.format(space=space)


def alias_exists(es, space_id: str) -> bool:
    return es.http.head(f"/_alias/{alerts_alias(space_id)}").status_code == 200


# --- create (create.agnostic.ts) ---------------------------------------------------------------


def test_create_answers_the_space_and_installs_its_alerts_alias(client, es, prefix) -> None:
    space_id = new_id()
    assert not alias_exists(es, space_id)
    created = client.post(f"{prefix}/api/spaces/space", json=marketing(space_id))
    assert created.status_code == 200, created.text
    assert created.json() == marketing(space_id)
    assert alias_exists(es, space_id)
    assert client.get(f"/api/spaces/space/{space_id}").json() == marketing(space_id)


def test_create_of_an_existing_space_is_409(client, prefix) -> None:
    space_id = new_id()
    assert client.post("/api/spaces/space", json=marketing(space_id)).status_code == 200
    again = client.post(f"{prefix}/api/spaces/space", json=marketing(space_id, name="space_1"))
    assert again.status_code == 409
    assert again.json() == {
        "statusCode": 409,
        "error": "Conflict",
        "message": f"A space with the identifier {space_id} already exists.",
    }
    default = client.post(f"{prefix}/api/spaces/space", json=marketing("default"))
    assert default.status_code == 409 and default.json()["error"] == "Conflict"


def test_create_ignores_reserved(client, prefix) -> None:
    space_id = new_id()
    created = client.post(
        f"{prefix}/api/spaces/space",
        json=marketing(space_id, name="reserved space", _reserved=True),
    )
    assert created.status_code == 200
    assert created.json() == marketing(space_id, name="reserved space")


def test_create_keeps_the_solution(client) -> None:
    space_id = new_id()
    created = client.post("/api/spaces/space", json=marketing(space_id, solution="es"))
    assert created.json() == marketing(space_id, solution="es")


def test_create_trims_the_name_and_leaves_absent_attributes_out(client) -> None:
    space_id = new_id()
    created = client.post("/api/spaces/space", json={"id": space_id, "name": "  Team A "})
    assert created.json() == {"id": space_id, "name": "Team A", "disabledFeatures": []}


def test_create_refuses_an_invalid_body_in_kibanas_words(client, es) -> None:
    refused = client.post("/api/spaces/space", json={"id": "Foo", "name": "foo"})
    assert refused.status_code == 400
    assert refused.json() == {
        "statusCode": 400,
        "error": "Bad Request",
        "message": "[request body.id]: must be lower case, a-z, 0-9, '_', and '-' are allowed",
    }
    missing = client.post("/api/spaces/space", json={"id": new_id()})
    assert missing.json()["message"] == (
        "[request body.name]: expected value of type [string] but got [undefined]"
    )
    empty = client.post("/api/spaces/space")
    assert empty.status_code == 400
    assert empty.json()["message"] == (
        "[request body]: expected a plain object value, but found [null] instead."
    )
    routing = client.post(
        "/api/spaces/space", json={"id": new_id(), "name": "x", "projectRouting": "_alias:*"}
    )
    assert routing.status_code == 400
    assert routing.json()["message"] == (
        "Unable to create Space, projectRouting property is only allowed when CPS is enabled"
    )


def test_create_past_the_space_limit_is_refused_and_creates_nothing(make_client, client, es):
    client.post("/api/spaces/space", json=marketing(new_id()))  # at least one alias exists
    indices = es.call("GET", "/_alias/.alerts-security.alerts-*", expand_wildcards="all")
    # spaces, not indices: an alias may span several indices (a legacy one, a rollover)
    held = len({alias for index in indices.values() for alias in index["aliases"]})
    limited = make_client(max_spaces=held)
    space_id = new_id()
    refused = limited.post("/api/spaces/space", json=marketing(space_id))
    assert refused.status_code == 400
    assert refused.json()["message"] == (
        "Unable to create Space, this exceeds the maximum number of spaces set by the "
        "ALERTSTATUS_MAX_SPACES setting"
    )
    assert not alias_exists(es, space_id)
    assert limited.get(f"/api/spaces/space/{space_id}").status_code == 404


# --- get and get all (get.agnostic.ts, get_all.agnostic.ts) ------------------------------------


def test_default_always_exists(client, prefix) -> None:
    found = client.get(f"{prefix}/api/spaces/space/default")
    assert found.status_code == 200
    assert found.json() == KIBANA_DEFAULT
    listed = client.get(f"{prefix}/api/spaces/space").json()
    assert KIBANA_DEFAULT in listed


@pytest.mark.parametrize("space_id", ["not-a-space", "Not_A_Space", "x" * 300])
def test_get_of_a_missing_space_is_kibanas_404(client, prefix, space_id) -> None:
    missing = client.get(f"{prefix}/api/spaces/space/{space_id}")
    assert missing.status_code == 404
    assert missing.json() == NOT_FOUND


def test_a_space_with_alerts_and_no_record_is_listed_and_found(client, seed, space) -> None:
    seed(space, 2)  # as a status change or Kibana on a shared cluster leaves it: an alias only
    implicit = {"id": space, "name": space, "disabledFeatures": []}
    assert implicit in client.get("/api/spaces/space").json()
    assert client.get(f"/api/spaces/space/{space}").json() == implicit
    assert client.post("/api/spaces/space", json=marketing(space)).status_code == 409
    updated = client.put(f"/api/spaces/space/{space}", json=marketing(space, name="SOC"))
    assert updated.status_code == 200
    assert client.get(f"/api/spaces/space/{space}").json() == marketing(space, name="SOC")


def test_a_status_change_in_a_new_space_makes_it_exist(client, space) -> None:
    assert client.get(f"/api/spaces/space/{space}").status_code == 404
    changed = client.post(
        f"/s/{space}/api/detection_engine/signals/status",
        json={"query": {"match_all": {}}, "status": "closed"},
    )
    assert changed.status_code == 200, changed.text
    assert client.get(f"/api/spaces/space/{space}").json()["id"] == space


def test_get_all_is_sorted_by_name(client) -> None:
    names = [space["name"] for space in client.get("/api/spaces/space").json()]
    assert names == sorted(names)


def test_get_all_purposes(client, make_key, make_client) -> None:
    space_id = new_id()
    client.post("/api/spaces/space", json=marketing(space_id))
    with_purposes = client.get("/api/spaces/space", params={"include_authorized_purposes": True})
    assert with_purposes.status_code == 200
    (entry,) = [space for space in with_purposes.json() if space["id"] == space_id]
    assert entry["authorizedPurposes"] == {
        "any": True,
        "copySavedObjectsIntoSpace": True,
        "findSavedObjects": True,
        "shareSavedObjectsIntoSpace": True,
    }
    copy = client.get("/api/spaces/space", params={"purpose": "copySavedObjectsIntoSpace"})
    assert space_id in {space["id"] for space in copy.json()}
    viewer = make_client(authorization=make_key("viewer", (space_id,)))
    refused = viewer.get("/api/spaces/space", params={"purpose": "shareSavedObjectsIntoSpace"})
    assert refused.status_code == 403
    assert refused.json() == {"statusCode": 403, "error": "Forbidden", "message": "Forbidden"}
    (seen,) = viewer.get("/api/spaces/space", params={"include_authorized_purposes": "true"}).json()
    assert seen["authorizedPurposes"]["copySavedObjectsIntoSpace"] is False
    both = client.get(
        "/api/spaces/space", params={"purpose": "any", "include_authorized_purposes": True}
    )
    assert both.status_code == 400
    assert both.json()["message"] == (
        "[request query]: include_authorized_purposes can only be false when purpose is specified"
    )
    unknown = client.get("/api/spaces/space", params={"purpose": "everything"})
    assert unknown.status_code == 400
    assert unknown.json()["message"] == (
        "[request query.purpose]: types that failed validation:\n"
        "- [request query.purpose.0]: expected value to equal [any]\n"
        "- [request query.purpose.1]: expected value to equal [copySavedObjectsIntoSpace]\n"
        "- [request query.purpose.2]: expected value to equal [shareSavedObjectsIntoSpace]"
    )


# --- update (update.agnostic.ts) ---------------------------------------------------------------


def test_update_replaces_the_attributes_and_ignores_reserved(client, prefix) -> None:
    space_id = new_id()
    client.post("/api/spaces/space", json=marketing(space_id, color="#ffffff"))
    changed = marketing(space_id, name="space 1", _reserved=True)
    updated = client.put(f"{prefix}/api/spaces/space/{space_id}", json=changed)
    assert updated.status_code == 200
    assert updated.json() == marketing(space_id, name="space 1")
    assert client.get(f"/api/spaces/space/{space_id}").json() == marketing(space_id, name="space 1")


def test_update_of_default_keeps_it_reserved(client, prefix) -> None:
    try:
        updated = client.put(
            f"{prefix}/api/spaces/space/default",
            json={
                "name": "the new default",
                "id": "default",
                "description": "a description",
                "color": "#ffffff",
                "_reserved": False,
                "disabledFeatures": [],
            },
        )
        assert updated.status_code == 200
        assert updated.json() == {
            "name": "the new default",
            "id": "default",
            "description": "a description",
            "color": "#ffffff",
            "disabledFeatures": [],
            "_reserved": True,
        }
    finally:  # other tests expect Kibana's default attributes
        client.put("/api/spaces/space/default", json=KIBANA_DEFAULT)
    assert client.get("/api/spaces/space/default").json() == KIBANA_DEFAULT


def test_update_of_a_missing_space_is_404_and_creates_nothing(client, es, prefix) -> None:
    space_id = new_id()
    missing = client.put(f"{prefix}/api/spaces/space/{space_id}", json=marketing(space_id))
    assert missing.status_code == 404
    assert missing.json() == NOT_FOUND
    assert client.get(f"/api/spaces/space/{space_id}").status_code == 404
    assert not alias_exists(es, space_id)


def test_update_uses_the_paths_id_as_kibana_does(client) -> None:
    space_id, other = new_id(), new_id()
    client.post("/api/spaces/space", json=marketing(space_id))
    updated = client.put(f"/api/spaces/space/{space_id}", json=marketing(other, name="renamed"))
    assert updated.json() == marketing(space_id, name="renamed")
    assert client.get(f"/api/spaces/space/{other}").status_code == 404


# --- delete (delete.agnostic.ts) ---------------------------------------------------------------


def test_delete_forgets_the_space_and_keeps_its_alerts(client, es, seed, space, prefix) -> None:
    alerts = seed(space, 3)
    client.put(f"/api/spaces/space/{space}", json=marketing(space))
    deleted = client.delete(f"{prefix}/api/spaces/space/{space}")
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert client.get(f"/api/spaces/space/{space}").json() == NOT_FOUND
    assert space not in {entry["id"] for entry in client.get("/api/spaces/space").json()}
    assert alias_exists(es, space)
    assert es.sources(alerts_alias(space)).keys() == alerts.keys()
    again = client.delete(f"/api/spaces/space/{space}")
    assert again.status_code == 404 and again.json() == NOT_FOUND
    recreated = client.post("/api/spaces/space", json=marketing(space, name="back"))
    assert recreated.status_code == 200
    assert client.get(f"/api/spaces/space/{space}").json()["name"] == "back"


def test_delete_of_default_is_refused(client, prefix) -> None:
    refused = client.delete(f"{prefix}/api/spaces/space/default")
    assert refused.status_code == 400
    assert refused.json() == {
        "statusCode": 400,
        "error": "Bad Request",
        "message": "The default space cannot be deleted because it is reserved.",
    }


def test_delete_of_a_missing_space_is_404(client, prefix) -> None:
    missing = client.delete(f"{prefix}/api/spaces/space/space_7-{uuid.uuid4().hex[:6]}")
    assert missing.status_code == 404 and missing.json() == NOT_FOUND


# --- who sees and changes which space ----------------------------------------------------------


def test_a_key_sees_only_its_spaces(client, make_client, make_key) -> None:
    mine, theirs = new_id("mine"), new_id("theirs")
    for space_id in (mine, theirs):
        assert client.post("/api/spaces/space", json=marketing(space_id)).status_code == 200
    viewer = make_client(authorization=make_key("viewer", (mine,)))
    assert [entry["id"] for entry in viewer.get("/api/spaces/space").json()] == [mine]
    assert viewer.get(f"/s/{theirs}/api/spaces/space/{mine}").status_code == 200
    hidden = viewer.get(f"/api/spaces/space/{theirs}")
    assert hidden.status_code == 403
    assert hidden.json() == {
        "statusCode": 403,
        "error": "Forbidden",
        "message": f"Unauthorized to get {theirs} space",
    }
    absent = viewer.get("/api/spaces/space/no-such-space")  # refused before it is looked up
    assert absent.json()["message"] == "Unauthorized to get no-such-space space"


@pytest.mark.parametrize(
    ("method", "path", "action"),
    [
        ("POST", "/api/spaces/space", "create"),
        ("PUT", "/api/spaces/space/{id}", "update"),
        ("DELETE", "/api/spaces/space/{id}", "delete"),
    ],
)
def test_only_admins_change_spaces(client, make_client, make_key, method, path, action) -> None:
    space_id = new_id()
    client.post("/api/spaces/space", json=marketing(space_id))
    analyst = make_client(authorization=make_key("analyst", None))
    refused = analyst.request(method, path.format(id=space_id), json=marketing(space_id))
    assert refused.status_code == 403
    assert refused.json() == {
        "statusCode": 403,
        "error": "Forbidden",
        "message": f"Unauthorized to {action} spaces",
    }
    assert client.get(f"/api/spaces/space/{space_id}").json() == marketing(space_id)


def test_an_admin_with_spaces_manages_only_those(client, make_client, make_key, es) -> None:
    held, foreign = new_id("held"), new_id("foreign")
    assert client.post("/api/spaces/space", json=marketing(foreign)).status_code == 200
    admin = make_client(authorization=make_key("admin", (held,)))
    assert admin.post("/api/spaces/space", json=marketing(held)).status_code == 200
    outside = new_id("outside")
    refused = admin.post("/api/spaces/space", json=marketing(outside))
    assert refused.status_code == 403
    assert refused.json()["message"] == "Unauthorized to create spaces"
    assert not alias_exists(es, outside)
    for method, action in (("PUT", "update"), ("DELETE", "delete")):
        answer = admin.request(method, f"/api/spaces/space/{foreign}", json=marketing(foreign))
        assert answer.status_code == 403
        assert answer.json()["message"] == f"Unauthorized to {action} spaces"
    assert client.get(f"/api/spaces/space/{foreign}").json() == marketing(foreign)
    assert admin.delete(f"/api/spaces/space/{held}").status_code == 204
