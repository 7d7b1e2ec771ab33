"""F9: reading a space that has no alerts creates nothing, and new spaces are capped.

A viewer's search, history or CHAD/UTMStack read of a space id that does not exist used to create
its index and template (unbounded shards for a key of every space).
"""

from __future__ import annotations

import uuid

UTMSTACK_CLOSE = {"alertIds": [str(uuid.uuid4())], "status": 5}


def created_for(es, space_id: str) -> set[str]:
    """Indices, aliases and templates whose name holds the space id."""
    indices = es.call("GET", "/_cat/indices", expand_wildcards="all", format="json")
    templates = es.call("GET", "/_index_template")["index_templates"]
    names = {row["index"] for row in indices} | {entry["name"] for entry in templates}
    return {name for name in names if space_id in name}


def test_reads_of_an_unknown_space_answer_empty_and_create_nothing(make_client, make_key, es):
    ghost = f"ghost-{uuid.uuid4().hex[:10]}"
    viewer = make_client(
        authorization=make_key("viewer", None), chad_space_id=ghost, utmstack_space_id=ghost
    )
    search = viewer.post(f"/s/{ghost}/api/detection_engine/signals/search", json={"size": 5})
    history = viewer.get(f"/s/{ghost}/api/alertstatus/alerts/some-id/history")
    chad = viewer.get("/api/alerts/some-id")
    utmstack = viewer.get("/api/utm-alerts/some-id")

    assert search.status_code == 200, search.text
    assert search.json()["hits"]["hits"] == []
    assert history.status_code == 404 and chad.status_code == 404 and utmstack.status_code == 404
    assert created_for(es, ghost) == set()


def test_a_write_past_the_space_limit_is_refused_and_creates_nothing(make_client, seed, es):
    seed(f"cap-{uuid.uuid4().hex[:8]}", 1)  # at least one space exists on the node
    client = make_client(max_spaces=1)
    fresh = f"cap-new-{uuid.uuid4().hex[:8]}"
    response = client.post(
        f"/s/{fresh}/api/detection_engine/signals/status",
        json={"query": {"match_all": {}}, "status": "closed"},
    )
    assert response.status_code == 400, response.text
    body = response.json()
    assert (body["statusCode"], body["error"]) == (400, "Bad Request")
    assert "ALERTSTATUS_MAX_SPACES=1" in body["message"]
    assert created_for(es, fresh) == set()
