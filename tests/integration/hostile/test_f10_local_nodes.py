"""F10: two local nodes on one machine never join into one cluster.

With one cluster name for every local node, a second `alertstatus es start` on another port joined
the first: its indices (the API-key index among them) were shared, and when it stopped the first
had no master. Each local node now runs a cluster of its own name.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from alertstatus.es.runtime import LocalNode, free_port
from alertstatus.settings import Settings
from tests.conftest import run_with_key_store

pytestmark = pytest.mark.storage


@contextlib.contextmanager
def service_style_node(data_dir: Path) -> Iterator[LocalNode]:
    """A node as `make run` makes one: no cluster name given."""
    settings = Settings()
    node = LocalNode(home=settings.home, http_port=free_port(), data_dir=data_dir, heap="512m")
    node.start(settings.es_start_timeout)
    try:
        yield node
    finally:
        node.stop()


def test_two_local_nodes_stay_two_clusters_and_keep_their_keys(tmp_path: Path) -> None:
    with service_style_node(tmp_path / "a") as first, service_style_node(tmp_path / "b") as second:
        run_with_key_store(first.url, lambda store: store.create(name="only on the first"))
        nodes = [httpx.get(f"{node.url}/_cat/nodes?format=json").json() for node in (first, second)]
        names = {httpx.get(node.url).json()["cluster_name"] for node in (first, second)}
        key_index_on_second = httpx.head(f"{second.url}/{Settings().api_key_index}")

    assert [len(listed) for listed in nodes] == [1, 1]
    assert len(names) == 2
    assert key_index_on_second.status_code == 404
