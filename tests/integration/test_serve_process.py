"""`alertstatus serve` as operators run it: JSON lines on stderr, `/metrics`, request ids."""

from __future__ import annotations

import json
import subprocess

import httpx

from tests.conftest import status_path
from tests.serving import served


def test_served_process_logs_json_lines_and_exposes_metrics(
    es_url, seed, space, admin_authorization
) -> None:
    ids = sorted(seed(space, 4))
    with (
        served(es_url, {"ALERTSTATUS_LOG_FORMAT": "auto"}, stdout=subprocess.PIPE) as (
            url,
            server,
        ),
        httpx.Client(
            base_url=url, timeout=30, headers={"authorization": admin_authorization}
        ) as http,
    ):
        closed = http.post(
            status_path(space),
            json={"signal_ids": ids, "status": "closed"},
            headers={"X-Request-Id": "e2e-1"},
        )
        metrics = http.get("/metrics").text
    _, stderr = server.communicate(timeout=30)

    assert closed.status_code == 200 and closed.headers["x-request-id"] == "e2e-1"
    assert 'alertstatus_alerts_total{outcome="updated",status="closed"} 4.0' in metrics
    lines = [json.loads(text) for text in stderr.splitlines() if text.startswith("{")]
    assert lines, stderr  # stderr is a pipe, not a terminal: `auto` means JSON
    assert {"Application startup complete."} <= {entry["message"] for entry in lines}
    assert all("color_message" not in entry and entry["time"].endswith("+00:00") for entry in lines)
    (line,) = [entry for entry in lines if entry.get("request_id") == "e2e-1"]
    assert (line["space"], line["status"], line["update"]["updated"]) == (space, 200, 4)
    assert not [text for text in stderr.splitlines() if '"GET /metrics HTTP/1.1"' in text]
