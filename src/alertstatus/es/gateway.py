"""The only module that speaks HTTP to Elasticsearch.

It uses `elastic-transport` (the transport under the official `elasticsearch` package) directly,
with plain `application/json`, so one code path talks to Elasticsearch 7.10 through 9.x and to
OpenSearch: the 8.x/9.x clients refuse servers before 7.14 and send version headers 7.x rejects.
Response bodies are kept as the raw bytes Elasticsearch sent, so callers can return them unchanged.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import orjson
from elastic_transport import (
    AiohttpHttpNode,
    AsyncTransport,
    ConnectionError,
    ConnectionTimeout,
    NodeConfig,
    Serializer,
    TransportError,
)
from elastic_transport.client_utils import url_to_node_config

from alertstatus.errors import AlertstatusError

JSON = "application/json"
NDJSON = "application/x-ndjson"


class _JsonBytes(Serializer):
    """Dumps Python objects with orjson; loads nothing: responses stay raw bytes."""

    mimetype = JSON

    def dumps(self, data: Any) -> bytes:
        if isinstance(data, bytes):
            return data
        return orjson.dumps(data)

    def loads(self, data: bytes) -> bytes:
        return data


class _NdjsonBytes(_JsonBytes):
    """Dumps an iterable of objects as newline-delimited JSON (the `_bulk` format)."""

    mimetype = NDJSON

    def dumps(self, data: Any) -> bytes:
        if isinstance(data, bytes):
            return data
        return b"".join(orjson.dumps(line) + b"\n" for line in data)


# How many response headers an answer may carry. OpenSearch (2.15 on) adds a `TASK_RESOURCE_USAGE`
# header per scroll batch to a by-query answer (opensearch-project/OpenSearch#18245): two per
# 1,000 alerts, beyond aiohttp's default of 128 from about 64,000 alerts. A million alerts bring
# about 2,000 (half a megabyte).
MAX_RESPONSE_HEADERS = 1_000_000


class _AiohttpNode(AiohttpHttpNode):
    """elastic-transport's aiohttp node, its session reading up to MAX_RESPONSE_HEADERS headers.

    The limit is the session's default for its requests (aiohttp's `ClientSession(max_headers=)`),
    which elastic-transport does not expose; without it a closure of 100,000 alerts on OpenSearch
    is done but answered "Too many headers received".
    """

    def _create_aiohttp_session(self) -> None:
        super()._create_aiohttp_session()
        if self.session is not None:
            self.session._max_headers = MAX_RESPONSE_HEADERS


_SERIALIZERS: dict[str, Serializer] = {
    JSON: _JsonBytes(),
    NDJSON: _NdjsonBytes(),
    "text/*": _JsonBytes(),
    "application/*": _JsonBytes(),
}


@dataclass(frozen=True, slots=True)
class EsResponse:
    """One Elasticsearch answer: HTTP status and the body exactly as sent."""

    status: int
    raw: bytes

    def json(self) -> Any:
        return orjson.loads(self.raw) if self.raw else None


# Request-parsing failures that Elasticsearch 7.x answers with 500 and 8.x with 400: they are the
# caller's mistake (a number out of range, malformed JSON in a value), so they are reported as 400
# whatever the server version.
BAD_REQUEST_TYPES = frozenset(
    {
        "input_coercion_exception",
        "json_parse_exception",
        "x_content_parse_exception",
        "parsing_exception",
        "number_format_exception",
        "illegal_argument_exception",
    }
)


UNAVAILABLE = "Elasticsearch is unavailable"
NO_ANSWER_IN_TIME = "Elasticsearch did not answer in time"
TRANSPORT_ERROR = "Elasticsearch transport error"
PUBLIC_REASON_LENGTH = 200


class ElasticsearchError(AlertstatusError):
    """Elasticsearch answered with an error status (or could not be reached: see subclasses).

    `status` is Elasticsearch's own (a parse failure 7.x reports as 500 becomes 400); `raw` keeps
    its body byte for byte.
    """

    code = "elasticsearch_error"

    def __init__(self, status: int, raw: bytes, message: str | None = None) -> None:
        self.raw = raw
        self.status = 400 if status == 500 and self.error_type() in BAD_REQUEST_TYPES else status
        super().__init__(message or f"Elasticsearch answered {status}")

    def error_type(self) -> str | None:
        """`error.type` of the body, when Elasticsearch sent one."""
        body = self.body()
        error = body.get("error") if isinstance(body, dict) else None
        return error.get("type") if isinstance(error, dict) else None

    def body(self) -> Any:
        try:
            return orjson.loads(self.raw) if self.raw else None
        except orjson.JSONDecodeError:
            return None

    def reason(self) -> str:
        """Kibana's `transformError` message: `type: reason`, or the raw body as text."""
        body = self.body()
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            error = body["error"]
            return f"{error.get('type')}: {error.get('reason')}"
        return self.raw.decode("utf-8", errors="replace")

    def public_reason(self) -> str:
        """What a caller may see: `type: reason`, where a reason naming anything in brackets
        (Elasticsearch's way to quote index names, document ids and values) is replaced by the
        types of its causes. The full reason is for the service's log (`reason()`).

        A body without `error` is an `_update_by_query` answer (a 409 with `conflicts=abort`):
        Kibana's documented 409 carries it whole, so it passes unchanged.
        """
        body = self.body()
        if not isinstance(body, dict) or not isinstance(body.get("error"), dict):
            return self.raw.decode("utf-8", errors="replace") if body else "Elasticsearch failed"
        error = body["error"]
        reason = str(error.get("reason") or "")
        if "[" in reason or "]" in reason or len(reason) > PUBLIC_REASON_LENGTH:
            causes = sorted(
                {str(cause.get("type")) for cause in error.get("root_cause") or [] if cause}
            )
            reason = "Elasticsearch refused the request" + (
                f" (caused by: {', '.join(causes)})" if causes else ""
            )
        return f"{error.get('type')}: {reason}"


class ElasticsearchUnavailable(ElasticsearchError):
    """No answer: connection refused, DNS, TLS, or the configured timeout ran out."""

    code = "elasticsearch_unavailable"

    def __init__(self, status: int, message: str, public: str) -> None:
        super().__init__(status, b"", message)
        self.public = public

    def reason(self) -> str:
        return str(self)

    def public_reason(self) -> str:
        """Without the transport's words: they name the cluster's host and port."""
        return self.public


@dataclass(frozen=True, slots=True)
class ConnectionSettings:
    """What the gateway needs to reach a cluster; no secrets are ever logged or returned."""

    url: str
    api_key: str | None = None
    username: str | None = None
    password: str | None = None
    ca_certs: str | None = None
    verify_certs: bool = True
    request_timeout: float = 3600.0
    max_retries: int = 2
    connections_per_node: int = 64


def _path(*parts: str) -> str:
    return "/" + "/".join(quote(part, safe=",*") for part in parts)


def _query(params: Mapping[str, Any] | None) -> str:
    if not params:
        return ""
    encoded = {
        key: ("true" if value else "false") if isinstance(value, bool) else value
        for key, value in params.items()
        if value is not None
    }
    return "?" + urlencode(encoded)


class Gateway:
    """Async access to one Elasticsearch cluster; knows nothing about alerts."""

    def __init__(
        self, connection: ConnectionSettings, *, on_error: Callable[[int], None] | None = None
    ) -> None:
        self.connection = connection
        self.on_error = on_error  # hears the status of every failed call (metrics)
        node: NodeConfig = url_to_node_config(connection.url)
        headers: dict[str, str] = {}
        if connection.api_key:
            headers["authorization"] = f"ApiKey {connection.api_key}"
        elif connection.username is not None:
            token = base64.b64encode(
                f"{connection.username}:{connection.password or ''}".encode()
            ).decode()
            headers["authorization"] = f"Basic {token}"
        node = node.replace(
            headers={**node.headers, **headers},
            connections_per_node=connection.connections_per_node,
            request_timeout=connection.request_timeout,
            ca_certs=connection.ca_certs,
            verify_certs=connection.verify_certs,
            http_compress=False,
        )
        self._transport = AsyncTransport(
            [node],
            node_class=_AiohttpNode,
            serializers=_SERIALIZERS,
            max_retries=connection.max_retries,
            retry_on_timeout=False,
            retry_on_status=(),
            meta_header=False,
        )

    async def close(self) -> None:
        await self._transport.close()

    async def request(self, method: str, path: str, **options: Any) -> EsResponse:
        """Perform one call; statuses >= 400 raise ElasticsearchError unless listed in `ok`."""
        try:
            return await self._perform(method, path, **options)
        except ElasticsearchError as error:
            if self.on_error is not None:
                self.on_error(error.status)
            raise

    async def _perform(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        ndjson: bool = False,
        ok: Iterable[int] = (),
        timeout: float | None = None,
    ) -> EsResponse:
        headers = {"accept": JSON}
        if body is not None:
            headers["content-type"] = NDJSON if ndjson else JSON
        try:
            response = await self._transport.perform_request(
                method,
                path + _query(params),
                body=body,
                headers=headers,
                request_timeout=timeout if timeout is not None else self.connection.request_timeout,
            )
        except ConnectionTimeout as error:
            raise ElasticsearchUnavailable(
                504, f"{NO_ANSWER_IN_TIME}: {error.message}", NO_ANSWER_IN_TIME
            ) from error
        except ConnectionError as error:
            raise ElasticsearchUnavailable(
                503, f"{UNAVAILABLE}: {error.message}", UNAVAILABLE
            ) from error
        except TransportError as error:
            raise ElasticsearchUnavailable(
                502, f"{TRANSPORT_ERROR}: {error}", TRANSPORT_ERROR
            ) from error
        raw = response.body if isinstance(response.body, bytes) else b""
        result = EsResponse(response.meta.status, raw)
        if result.status >= 400 and result.status not in ok:
            raise ElasticsearchError(result.status, raw)
        return result

    # --- the calls the service makes -----------------------------------------------------------

    async def info(self, *, timeout: float | None = None) -> EsResponse:
        return await self.request("GET", "/", timeout=timeout)

    async def cluster_health(self, *, timeout: float | None = None) -> Any:
        """`GET _cluster/health?local=true`: this node's view, answered even without a master."""
        response = await self.request(
            "GET", "/_cluster/health", params={"local": True}, timeout=timeout
        )
        return response.json()

    async def elected_master(self, *, timeout: float | None = None) -> str | None:
        """The elected master's node id as this node knows it; None while there is none."""
        response = await self.request(
            "GET", "/_cluster/state/master_node", params={"local": True}, timeout=timeout
        )
        master = response.json().get("master_node")
        return str(master) if master else None

    async def update_by_query(
        self, index: str, body: Mapping[str, Any], params: Mapping[str, Any]
    ) -> EsResponse:
        return await self.request(
            "POST", _path(index, "_update_by_query"), params=params, body=body
        )

    async def search(
        self,
        index: str,
        body: Mapping[str, Any],
        params: Mapping[str, Any] | None = None,
        *,
        timeout: float | None = None,
    ) -> EsResponse:
        """`timeout`: seconds to wait for the answer (the connection's default otherwise)."""
        return await self.request(
            "POST", _path(index, "_search"), params=params, body=body, timeout=timeout
        )

    async def bulk(
        self, lines: Iterable[Mapping[str, Any]], *, refresh: bool = False
    ) -> EsResponse:
        return await self.request(
            "POST", "/_bulk", params={"refresh": refresh}, body=list(lines), ndjson=True
        )

    async def exists_alias(self, alias: str) -> bool:
        response = await self.request("HEAD", _path("_alias", alias), ok=(404,))
        return response.status == 200

    async def aliases(self, pattern: str) -> list[str]:
        """The names of the aliases matching `pattern` (hidden ones included)."""
        response = await self.request(
            "GET", _path("_alias", pattern), params={"expand_wildcards": "all"}, ok=(404,)
        )
        if response.status == 404:
            return []
        return sorted({alias for index in response.json().values() for alias in index["aliases"]})

    async def create_index(self, index: str, body: Mapping[str, Any]) -> bool:
        """Create an index; False when it already exists (a concurrent creator won)."""
        response = await self.request("PUT", _path(index), body=body, ok=(400,))
        if response.status == 400:
            error = ElasticsearchError(400, response.raw)
            if "resource_already_exists_exception" in error.reason():
                return False
            raise error
        return True

    async def put_mapping(self, index: str, mapping: Mapping[str, Any]) -> None:
        """Add fields to an index's mapping (existing fields must keep their types)."""
        await self.request("PUT", _path(index, "_mapping"), body=mapping)

    async def get_template(self, kind: str, name: str) -> Any | None:
        """A component (`_component_template`) or index (`_index_template`) template, or None."""
        response = await self.request("GET", _path(kind, name), ok=(404,))
        return response.json() if response.status == 200 else None

    async def put_template(self, kind: str, name: str, body: Mapping[str, Any]) -> None:
        await self.request("PUT", _path(kind, name), body=body)

    # --- single documents (the API key store) ----------------------------------------------------

    async def update_document(
        self, index: str, doc_id: str, fields: Mapping[str, Any], *, refresh: bool = True
    ) -> bool:
        """Merge `fields` into a document; False when it does not exist."""
        response = await self.request(
            "POST",
            _path(index, "_update", doc_id),
            params={"refresh": "wait_for" if refresh else None},
            body={"doc": fields},
            ok=(404,),
        )
        return response.status != 404

    async def count(
        self,
        index: str,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> int:
        """`<index>/_count`: documents a query selects (all without one); 0 for a missing index."""
        response = await self.request(
            "POST",
            _path(index, "_count"),
            params={"ignore_unavailable": True, **(params or {})},
            body=body,
        )
        return int(response.json().get("count", 0))

    async def refresh(self, index: str, timeout: float | None = None) -> Any:
        """Make recent writes visible to search (reads by id never need it); the answer, whose
        `_shards.failed` says how many shard copies did not refresh."""
        response = await self.request(
            "POST", _path(index, "_refresh"), params={"ignore_unavailable": True}, timeout=timeout
        )
        return response.json()

    # --- single documents (rules) -------------------------------------------------------------
    # Rules and spaces are few and written one at a time, and a search right after a write must
    # see it: `refresh=true` refreshes the shard before answering. Kibana's saved objects use
    # `wait_for`, which holds every write until the next scheduled refresh (up to a second);
    # the answer is the same, sooner (docs/performance.md, "Rule and space writes").

    async def get_document(self, index: str, doc_id: str) -> EsResponse:
        """`GET <index>/_doc/<id>`; a 404 (missing document or index) is returned, not raised."""
        return await self.request("GET", _path(index, "_doc", doc_id), ok=(404,))

    async def index_document(
        self,
        index: str,
        doc_id: str,
        body: Mapping[str, Any],
        *,
        create: bool = False,
        if_seq_no: int | None = None,
        if_primary_term: int | None = None,
        refresh: str = "true",
    ) -> EsResponse:
        """Write one document; a 409 (id taken, or seq_no moved on) is returned, not raised."""
        params = {
            "op_type": "create" if create else None,
            "if_seq_no": if_seq_no,
            "if_primary_term": if_primary_term,
            "refresh": refresh,
        }
        return await self.request(
            "PUT", _path(index, "_doc", doc_id), params=params, body=body, ok=(409,)
        )

    async def create_document(
        self, index: str, doc_id: str, body: Mapping[str, Any], *, refresh: str = "true"
    ) -> bool:
        """`op_type=create`: True when the document is there as sent, False when another
        document holds the id.

        A 409 whose document equals `body` is this very write: when a primary fails after
        writing but before answering, Elasticsearch replays the write on the promoted replica,
        which already holds it, and `create` then conflicts with itself (docs/reliability.md).
        """
        response = await self.index_document(index, doc_id, body, create=True, refresh=refresh)
        return response.status != 409 or await self.holds_document(index, doc_id, body)

    async def holds_document(self, index: str, doc_id: str, body: Mapping[str, Any]) -> bool:
        """Whether the document at `doc_id` is `body` (how a `create` that answered 409 tells
        its own replayed write from another document holding the id)."""
        existing = await self.get_document(index, doc_id)
        sent = orjson.loads(orjson.dumps(body))
        return existing.status == 200 and existing.json().get("_source") == sent

    async def get_sources(self, index: str, ids: Iterable[str]) -> dict[str, Any]:
        """`_mget`: the `_source` of each existing document by id (realtime, no refresh needed)."""
        response = await self.request(
            "POST", _path(index, "_mget"), body={"ids": list(ids)}, ok=(404,)
        )
        if response.status == 404:  # the index does not exist yet
            return {}
        return {doc["_id"]: doc["_source"] for doc in response.json()["docs"] if doc.get("found")}

    async def delete_document(
        self, index: str, doc_id: str, *, refresh: str = "true"
    ) -> EsResponse:
        """Delete one document; a 404 is returned, not raised."""
        return await self.request(
            "DELETE", _path(index, "_doc", doc_id), params={"refresh": refresh}, ok=(404,)
        )

    # --- scale: index settings and the task API ----------------------------------------------

    async def index_settings(self, index: str, name: str) -> Any:
        """`GET /<index>/_settings/<name>` with defaults, flat: `{index: {settings|defaults}}`."""
        response = await self.request(
            "GET",
            _path(index, "_settings", name),
            params={"include_defaults": True, "flat_settings": True, "ignore_unavailable": True},
        )
        return response.json()

    async def get_task(self, task_id: str) -> EsResponse:
        """A running task from `_tasks`, or a finished one from the `.tasks` index (ES reads it)."""
        return await self.request("GET", _path("_tasks", task_id))

    async def cancel_task(self, task_id: str) -> EsResponse:
        return await self.request("POST", _path("_tasks", task_id, "_cancel"))

    # --- operator CLI: listing tasks --------------------------------------------------------------

    async def list_tasks(self, actions: str) -> Any:
        """`GET _tasks?actions=...&detailed=true`: running tasks, grouped by node."""
        response = await self.request(
            "GET", "/_tasks", params={"actions": actions, "detailed": True}
        )
        return response.json()
