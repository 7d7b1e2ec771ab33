"""What the cluster's engine can do, learned once from `GET /` and kept for the process.

Some request members only mean something to some engines: runtime fields (`runtime_mappings`)
exist from Elasticsearch 7.11 on and not in OpenSearch, whose 7.10 fork never had them. Sending
one to an engine without them would fail inside Elasticsearch with a parser error that names no
version, or, worse, be ignored; so the service asks the cluster once, when a request first needs
to know, and refuses such a request with a message that names what the cluster runs
(docs/dialects.md, "Runtime fields").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from alertstatus.errors import UnsupportedByCluster
from alertstatus.es.gateway import Gateway

RUNTIME_FIELDS_SINCE = (7, 11)  # Elasticsearch's first release with search-time runtime fields
_RELEASE = re.compile(r"(\d+)\.(\d+)")


@dataclass(frozen=True, slots=True)
class ClusterVersion:
    """The engine and version `GET /` reports."""

    distribution: str  # "elasticsearch" or "opensearch"
    number: str

    @classmethod
    def from_info(cls, body: Any) -> ClusterVersion:
        version = body.get("version") if isinstance(body, dict) else None
        version = version if isinstance(version, dict) else {}
        distribution = str(version.get("distribution") or "elasticsearch").lower()
        return cls(distribution, str(version.get("number") or "unknown"))

    @property
    def release(self) -> tuple[int, int]:
        """(major, minor); (0, 0) when the number cannot be read."""
        match = _RELEASE.match(self.number)
        return (int(match.group(1)), int(match.group(2))) if match else (0, 0)

    @property
    def runtime_fields(self) -> bool:
        return self.distribution == "elasticsearch" and self.release >= RUNTIME_FIELDS_SINCE

    def __str__(self) -> str:
        name = "OpenSearch" if self.distribution == "opensearch" else "Elasticsearch"
        return f"{name} {self.number}"


class EngineCapabilities:
    """The cluster's version, asked once (the first request that needs it) and then remembered.

    Requests that carry no engine-specific member never cause the look-up.
    """

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self._version: ClusterVersion | None = None

    async def version(self) -> ClusterVersion:
        if self._version is None:  # two first callers may both ask: harmless, same answer
            self._version = ClusterVersion.from_info((await self.gateway.info()).json())
        return self._version

    async def require_runtime_fields(self, members: str) -> None:
        """UnsupportedByCluster when the engine has no runtime fields; `members` names what the
        request carried (`runtime_mappings`, ...)."""
        version = await self.version()
        if not version.runtime_fields:
            since = ".".join(map(str, RUNTIME_FIELDS_SINCE))
            raise UnsupportedByCluster(
                f"{members} need Elasticsearch {since} or later; this cluster runs {version}"
            )
