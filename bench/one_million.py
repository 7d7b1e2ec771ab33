"""P1 at 1,000,000 alerts, service vs direct, on a node and service you start yourself.

    ELASTICSEARCH_URL=http://127.0.0.1:9290 alertstatus seed --space big --count 1000000 --days 30
    ELASTICSEARCH_URL=... ALERTSTATUS_AUTH_ENABLED=false ALERTSTATUS_PORT=5611 alertstatus serve &
    python -m bench.one_million

Direct `_update_by_query` with the engine's own body, then every alert reopened (CLI, async),
then the same closure through the service: both close 1,000,000 open alerts.
"""

import os
import subprocess
import time

import httpx
import orjson

from alertstatus.engine.model import AlertQuery, StatusChange, WorkflowStatus
from alertstatus.engine.service import EngineOptions, update_by_query_request

ES = os.environ.get("ELASTICSEARCH_URL", "http://127.0.0.1:9290")
SERVICE = os.environ.get("ALERTSTATUS_URL", "http://127.0.0.1:5611")
QUERY = {"range": {"@timestamp": {"gte": "now-31d"}}}
KEYS = ("total", "updated", "noops", "took")


def main() -> None:
    change = StatusChange("big", AlertQuery(QUERY), WorkflowStatus.CLOSED, "false_positive")
    params, body = update_by_query_request(change, EngineOptions())
    client = httpx.Client(timeout=3600)
    started = time.monotonic()
    answer = client.post(
        f"{ES}/.alerts-security.alerts-big/_update_by_query",
        params={key: str(value).lower() for key, value in params.items()},
        content=orjson.dumps(body),
        headers={"content-type": "application/json"},
    )
    direct = time.monotonic() - started
    print("direct", round(direct, 1), "s", {key: answer.json()[key] for key in KEYS}, flush=True)
    reopen = ["alertstatus", "open", "--space", "big", "--since", "now-31d", "--until", "now"]
    subprocess.run([*reopen, "--yes"], env={**os.environ, "ELASTICSEARCH_URL": ES}, check=True)
    started = time.monotonic()
    answer = client.post(
        f"{SERVICE}/s/big/api/detection_engine/signals/status",
        json={"status": "closed", "reason": "false_positive", "query": QUERY},
    )
    service = time.monotonic() - started
    print("service", round(service, 1), "s", {key: answer.json()[key] for key in KEYS})
    print("| P1 1M | service vs direct |", f"{direct / service:.3f}x |")


if __name__ == "__main__":
    main()
