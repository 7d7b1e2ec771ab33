"""The service under test: the real app in its own uvicorn process on loopback, RSS sampled.

It runs with authentication on, as users run it: `bench_authorization` makes an API key through
the service's own key store, and every request to the service sends it (docs/performance.md).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import psutil

from alertstatus.auth.api_keys import ApiKeyStore
from alertstatus.auth.models import Role
from alertstatus.es.gateway import Gateway
from alertstatus.es.runtime import end_with_parent
from alertstatus.settings import Settings


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def bench_authorization(gateway: Gateway) -> str:
    """A new all-spaces admin key on the bench's cluster; its `Authorization` header value."""
    store = ApiKeyStore(gateway, Settings().api_key_index)
    key = await store.create(role=Role.ADMIN, spaces=None, name="bench")
    return key.header


class ServiceProcess:
    """The app under uvicorn against `es_url`; `peak_rss()` since `reset_peak()`.

    With `authorization` (an `Authorization` header value, `bench_authorization`) authentication
    is on and `headers` carries it; without, the service runs with authentication off.
    """

    def __init__(
        self,
        es_url: str,
        env: dict[str, str] | None = None,
        log_path: Path | None = None,
        authorization: str | None = None,
    ) -> None:
        self.port = free_loopback_port()
        self.log_path = log_path  # the service's stdout and stderr; inherited when None
        self.url = f"http://127.0.0.1:{self.port}"
        self.headers = {"authorization": authorization} if authorization else {}
        self._env = {
            **os.environ,
            "ELASTICSEARCH_URL": es_url,
            "ALERTSTATUS_AUTH_ENABLED": "true" if authorization else "false",
            **(env or {}),
        }
        self._process: subprocess.Popen[bytes] | None = None
        self._log: BinaryIO | None = None
        self._peak = 0
        self._stop = threading.Event()
        self._sampler: threading.Thread | None = None

    def __enter__(self) -> ServiceProcess:
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "alertstatus.api.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-level",
            "warning",
            "--no-access-log",
        ]
        # ends with its owner however that ends (a killed pytest or bench leaves no server)
        if self.log_path is not None:
            self._log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            command,
            env=self._env,
            preexec_fn=end_with_parent,
            stdout=self._log,
            stderr=self._log,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the service exited with {self._process.returncode}")
            try:
                with urllib.request.urlopen(self.url + "/api/status", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("the service did not answer within 60 s")
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        return self

    def _sample(self) -> None:
        assert self._process is not None
        process = psutil.Process(self._process.pid)
        while not self._stop.wait(0.02):
            try:
                self._peak = max(self._peak, process.memory_info().rss)
            except psutil.Error:
                return

    @property
    def pid(self) -> int:
        """The uvicorn process's id (its children, if any, are found through psutil)."""
        if self._process is None:
            raise RuntimeError("the service is not started")
        return self._process.pid

    def reset_peak(self) -> None:
        self._peak = 0

    def peak_rss_mb(self) -> float:
        return self._peak / 2**20

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._log is not None:
            self._log.close()
