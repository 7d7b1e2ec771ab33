"""F2: the space of a request, on the real node: `/s/{space_id}` on every Kibana route (status and
whoami included), and UTMStack's and CHAD's configured space, which authorization checks too."""

from __future__ import annotations

import uuid

UTMSTACK_CLOSE = {"alertIds": [str(uuid.uuid4())], "status": 5}


def test_status_is_served_under_a_space(make_client, space) -> None:
    client = make_client(authorization=None)
    plain = client.get("/api/status")
    in_space = client.get(f"/s/{space}/api/status")
    assert (plain.status_code, in_space.status_code) == (200, 200)
    assert (
        in_space.json()["status"] == plain.json()["status"] == {"overall": {"level": "available"}}
    )


def test_a_malformed_space_is_400_on_every_space_route(make_client) -> None:
    client = make_client()  # a route that needs a caller checks the credential first
    for path in ("/s/Bad.Space/api/status", "/s/_all/api/alertstatus/whoami"):
        response = client.get(path)
        assert response.status_code == 400, path
        body = response.json()
        assert (body["statusCode"], body["error"]) == (400, "Bad Request")
        assert body["message"].startswith("[request params].space_id: "), body


def test_whoami_answers_under_any_space_it_is_about_the_caller(make_client, make_key, space):
    client = make_client(authorization=make_key("viewer", ("default",)))
    response = client.get(f"/s/{space}/api/alertstatus/whoami")
    assert response.status_code == 200, response.text
    assert response.json()["spaces"] == ["default"]


def test_utmstack_and_chad_authorize_the_space_they_act_in(make_client, make_key, seed) -> None:
    configured = f"dialects-{uuid.uuid4().hex[:8]}"
    seed(configured, 2)
    settings = {"utmstack_space_id": configured, "chad_space_id": configured}
    default_analyst = make_client(authorization=make_key("analyst", ("default",)), **settings)
    utmstack = default_analyst.post("/api/utm-alerts/status", json=UTMSTACK_CLOSE)
    chad = default_analyst.patch("/api/alerts/x", json={"status": "resolved"})
    assert utmstack.status_code == 403 and utmstack.json()["status"] == 403, utmstack.text
    assert chad.status_code == 403 and chad.json() == {"detail": "Not enough permissions"}

    space_analyst = make_client(authorization=make_key("analyst", (configured,)), **settings)
    utmstack = space_analyst.post("/api/utm-alerts/status", json=UTMSTACK_CLOSE)
    chad = space_analyst.patch("/api/alerts/x", json={"status": "resolved"})
    assert utmstack.status_code == 404, utmstack.text  # allowed in: the alert does not exist
    assert chad.status_code == 404 and chad.json() == {"detail": "Alert not found"}
