"""`alertstatus serve` as operators run it: JSON lines on stderr, `/metrics`, request ids."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import httpx

from tests.conftest import status_path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_served_process_logs_json_lines_and_exposes_metrics(
    es_url, seed, space, admin_authorization
) -> None:
    ids = sorted(seed(space, 4))
    port = _free_port()
    env = {**os.environ, "ELASTICSEARCH_URL": es_url, "ALERTSTATUS_LOG_FORMAT": "auto"}
    server = subprocess.Popen(
        [sys.executable, "-m", "alertstatus", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}",
            timeout=30,
            headers={"authorization": admin_authorization},
        ) as http:
            for _ in range(300):  # until the server accepts connections (or died)
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                try:
                    http.get("/api/status")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            closed = http.post(
                status_path(space),
                json={"signal_ids": ids, "status": "closed"},
                headers={"X-Request-Id": "e2e-1"},
            )
            metrics = http.get("/metrics").text
    finally:
        server.terminate()
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
