"""A local cluster: several nodes of one engine, each in a JVM of its own, on loopback only.

What the fault tests (tests/faults/) and `alertstatus es start --nodes 3` run: one JVM per node,
so one node can be killed with SIGKILL alone while the others go on (docs/reliability.md). Each
node has its own data folder and HTTP port; the transport ports are fixed, every node's
`discovery.seed_hosts` lists all of them, and the engine's bootstrap setting names every node,
so the first start forms one cluster of all of them and a node that comes back rejoins it. The
cluster name is its own: no other local node (single-node ones included) can join it.

Node names: codelibs' runner calls the node of every JVM "Node 1" and lets no settings file
change that; each member is therefore started through `ClusterNode.java` (es/runtime.py), which
hands the runner the member's own name (and, on OpenSearch 3, the discovery the runner would
otherwise force to single-node). That needs a JDK, which every supported Java here is.
"""

from __future__ import annotations

import contextlib
import json
import logging
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alertstatus.es.engines import LOCAL_ENGINES, LocalEngine, local_engine
from alertstatus.es.runtime import (
    ElasticsearchStartError,
    LocalNode,
    elasticsearch_info,
    free_port,
)
from alertstatus.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_NODES = 3
# `alertstatus es start --nodes 3`: node i serves HTTP on ALERTSTATUS_ES_PORT + i and transport
# on that port + TRANSPORT_OFFSET (9200 → 9300, the engines' usual pairing).
TRANSPORT_OFFSET = 100
# Fresh clusters of tests and benchmarks take their transport ports here, above the range
# (9300-9400) single nodes bind to first-free, so a node starting beside them never takes one.
TEST_TRANSPORT_PORTS = (9401, 9499)


def _get(url: str, timeout: float = 5.0) -> Any:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:  # health answers 408 on timeout, 503 without master
        return json.loads(error.read() or b"null")


@dataclass
class LocalCluster:
    """`len(http_ports)` nodes forming one cluster of a name of its own (module docstring)."""

    home: Path
    data_dir: Path
    http_ports: tuple[int, ...]
    transport_ports: tuple[int, ...]
    heap: str = "512m"
    engine: LocalEngine = LOCAL_ENGINES["elasticsearch-7.10"]
    cluster_name: str = ""  # empty: `alertstatus-cluster-<first http port>`
    java: str | None = None
    nodes: list[LocalNode] = field(init=False)

    def __post_init__(self) -> None:
        if len(self.http_ports) != len(self.transport_ports) or not self.http_ports:
            raise ValueError("one HTTP and one transport port per node")
        seeds = [f"127.0.0.1:{port}" for port in self.transport_ports]
        self.nodes = [
            LocalNode(
                home=self.home,
                http_port=http_port,
                data_dir=self.data_dir / f"node-{index + 1}",
                heap=self.heap,
                engine=self.engine,
                node_settings={
                    "network.host": "127.0.0.1",
                    "transport.port": transport_port,
                    "discovery.seed_hosts": seeds,
                    self.engine.bootstrap_setting: self.node_names,
                    # a full test disk must not keep replicas unassigned (the cluster yellow)
                    "cluster.routing.allocation.disk.threshold_enabled": False,
                },
                cluster_name=self.name,
                java=self.java,
                forced_settings={"node.name": name, "discovery.type": "zen"},
            )
            for index, (http_port, transport_port, name) in enumerate(
                zip(self.http_ports, self.transport_ports, self.node_names, strict=True)
            )
        ]

    @property
    def name(self) -> str:
        return self.cluster_name or f"alertstatus-cluster-{self.http_ports[0]}"

    @property
    def node_names(self) -> list[str]:
        return [f"{self.name}-node-{index + 1}" for index in range(len(self.http_ports))]

    @property
    def url(self) -> str:
        """The first node's URL (any node answers for the whole cluster)."""
        return self.nodes[0].url

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes]

    def start(self, timeout: float = 240.0, *, detach: bool = False) -> str:
        """Start every node (all at once) and wait until all have joined and the cluster is
        at least yellow; returns the first node's URL. A cluster that does not form is stopped."""
        try:
            for node in self.nodes:
                node.launch(detach=detach)
            self.wait_until_formed(timeout)
        except (ElasticsearchStartError, KeyboardInterrupt):
            self.stop()
            raise
        if detach:
            for node in self.nodes:
                node.process = None
        return self.url

    def wait_until_formed(
        self, timeout: float, *, status: str = "yellow", through: int | None = None
    ) -> None:
        """Until every node has joined and the health is at least `status`, as seen from node
        `through` (default: the first one that answers)."""
        deadline = time.monotonic() + timeout
        query = f"/_cluster/health?wait_for_nodes={len(self.nodes)}&wait_for_status={status}"
        last: Any = None
        while time.monotonic() < deadline:
            for index, node in enumerate(self.nodes):
                if node.process is not None and node.process.poll() is not None:
                    raise ElasticsearchStartError(
                        f"node {index + 1} of {self.name} exited with code "
                        f"{node.process.returncode}; log {node.log_path}:\n{node.log_tail()}"
                    )
            candidates = [through] if through is not None else range(len(self.nodes))
            for index in candidates:
                with contextlib.suppress(OSError, ValueError):
                    last = _get(self.nodes[index].url + query + "&timeout=1s", timeout=10)
                    if isinstance(last, dict) and last.get("timed_out") is False:
                        return
                    break
            time.sleep(0.5)
        raise ElasticsearchStartError(
            f"{self.name} did not have {len(self.nodes)} nodes and {status} health within "
            f"{timeout:.0f}s (last answer: {last}); logs: "
            + ", ".join(str(node.log_path) for node in self.nodes)
        )

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    def kill(self, index: int) -> None:
        """SIGKILL node `index` (0-based) alone."""
        self.nodes[index].kill()

    def answering(self) -> list[int]:
        """The indexes of the nodes that answer `GET /` now."""
        return [
            index
            for index, node in enumerate(self.nodes)
            if elasticsearch_info(node.url, timeout=1.0) is not None
        ]

    def elected_master(self) -> int:
        """The index of the node the cluster elected as master."""
        for index in self.answering():
            body = _get(self.nodes[index].url + "/_cat/master?format=json")
            if isinstance(body, list) and body:
                return self.node_names.index(body[0]["node"])
        raise ElasticsearchStartError(f"{self.name} has no elected master")

    def url_of_any(self) -> str:
        answering = self.answering()
        if not answering:
            raise ElasticsearchStartError(f"no node of {self.name} answers")
        return self.nodes[answering[0]].url


def service_cluster(settings: Settings, nodes: int = DEFAULT_NODES) -> LocalCluster:
    """The cluster `alertstatus es start --nodes N` runs: HTTP on ALERTSTATUS_ES_PORT and the
    ports after it, transport 100 above each, data kept across runs."""
    engine = local_engine(settings.engine)
    http_ports = tuple(settings.es_port + index for index in range(nodes))
    return LocalCluster(
        home=settings.home,
        data_dir=settings.home / "nodes" / f"{engine.name}-{settings.es_port}-cluster",
        http_ports=http_ports,
        transport_ports=tuple(port + TRANSPORT_OFFSET for port in http_ports),
        heap=settings.es_heap,
        engine=engine,
        java=settings.java,
    )


def free_ports(count: int, first: int, last: int) -> tuple[int, ...]:
    """`count` distinct ports that nothing listens on right now."""
    ports: list[int] = []
    while len(ports) < count:
        port = free_port(first, last)
        if port not in ports:
            ports.append(port)
    return tuple(ports)


@contextlib.contextmanager
def temporary_cluster(
    settings: Settings, nodes: int = DEFAULT_NODES, *, heap: str = "512m"
) -> Iterator[LocalCluster]:
    """A fresh cluster for one run (tests): free ports, data in a temporary directory, a cluster
    name of its own; stopped and removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="alertstatus-cluster-") as data:
        cluster = LocalCluster(
            home=settings.home,
            data_dir=Path(data),
            http_ports=free_ports(nodes, 9250, 9299),
            transport_ports=free_ports(nodes, *TEST_TRANSPORT_PORTS),
            heap=heap,
            engine=local_engine(settings.engine),
            java=settings.java,
        )
        cluster.start(settings.es_start_timeout + 60)
        try:
            yield cluster
        finally:
            cluster.stop()
