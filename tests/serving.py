"""`alertstatus serve` as a real process for the tests that need a URL (a real client, the
process's own logs). Like every local node (es/runtime.py: `end_with_parent`), the server ends
with the test process, however that ends: a killed pytest leaves no server behind."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from bench.server import free_loopback_port

from alertstatus.es.runtime import end_with_parent


@contextmanager
def served(
    es_url: str, env: dict[str, str], stdout: int | None = subprocess.DEVNULL
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """(URL, process) of `alertstatus serve` on a free port, once it answers `/api/status`;
    terminated (and waited for) afterwards."""
    port = free_loopback_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "alertstatus", "serve", "--port", str(port)],
        env={**os.environ, "ELASTICSEARCH_URL": es_url, **env},
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=end_with_parent,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # until the server accepts connections (or died)
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            try:
                httpx.get(f"{url}/api/status", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url, server
    finally:
        if server.poll() is None:
            server.terminate()
