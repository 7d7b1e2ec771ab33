"""A recording proxy between the service and the test node: what the service asked Elasticsearch.

The hostile modules point the app's ELASTICSEARCH_URL at it, so they can show that a refused
request sent Elasticsearch nothing, and what exactly an accepted one sent (its re-serialised body,
its timeout), through the real gateway and the real node.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import orjson

HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length"})


@dataclass(frozen=True)
class Sent:
    method: str
    path: str
    params: dict[str, str]
    body: Any

    @property
    def endpoint(self) -> str:
        """The last path segment: `_search`, `_update_by_query`, `_doc`, ..."""
        return self.path.rstrip("/").rsplit("/", 1)[-1]


class RecordingProxy:
    """Forwards every request to `target` and keeps (method, path, params, JSON body)."""

    def __init__(self, target: str) -> None:
        self.sent: list[Sent] = []
        upstream = httpx.Client(base_url=target, timeout=120)
        recorded = self.sent

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                url = urlsplit(self.path)
                params = {key: values[-1] for key, values in parse_qs(url.query).items()}
                try:
                    body = orjson.loads(raw) if raw else None
                except orjson.JSONDecodeError:
                    body = raw
                recorded.append(Sent(self.command, url.path, params, body))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                answer = upstream.request(self.command, self.path, content=raw, headers=headers)
                self.send_response(answer.status_code)
                for key, value in answer.headers.items():
                    if key.lower() not in HOP_BY_HOP and key.lower() != "content-encoding":
                        self.send_header(key, value)
                self.send_header("content-length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.upstream = upstream
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def to(self, endpoint: str) -> list[Sent]:
        """What was sent to one endpoint (`_search`, `_update_by_query`), in order."""
        return [sent for sent in self.sent if sent.endpoint == endpoint]

    def clear(self) -> None:
        self.sent.clear()


@contextlib.contextmanager
def recording_proxy(target: str) -> Iterator[RecordingProxy]:
    proxy = RecordingProxy(target)
    thread = threading.Thread(target=proxy.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.server.shutdown()
        proxy.server.server_close()
        proxy.upstream.close()
