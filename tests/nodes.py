"""Which Elasticsearch a test session (and the bench, "as the tests do") runs against.

The service package only knows the transport (`es/gateway.py`) and its own local node
(`es/runtime.py`: `LocalNode`, `temporary_node`); choosing the cluster a test run uses, and
the Docker image used for it, is the test suite's business, so it lives here.
In order (docs/elasticsearch.md): `ELASTICSEARCH_URL`, else (for the default engine) testcontainers
when a Docker engine answers, else a fresh local node of `ALERTSTATUS_ENGINE` (es/engines.py) with
a cluster name of its own on a free port. `make test` runs the suite once per engine.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from alertstatus.es.runtime import temporary_node
from alertstatus.settings import Settings

TEST_IMAGE = "docker.elastic.co/elasticsearch/elasticsearch:8.15.3"
DOCKER_ENGINE = "elasticsearch-7.10"  # the engine whose runs use TEST_IMAGE where Docker answers


def docker_available() -> bool:
    """True when a Docker engine answers (testcontainers can run the official image)."""
    try:
        import docker  # type: ignore[import-untyped]

        client = docker.from_env(timeout=3)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # no SDK, no socket, no daemon: all mean "no Docker"
        return False


@contextlib.contextmanager
def elasticsearch_for_tests(settings: Settings) -> Iterator[str]:
    """A cluster for the test session: URL, else testcontainers, else a fresh local node."""
    if settings.elasticsearch_url:
        yield settings.elasticsearch_url
        return
    if settings.engine == DOCKER_ENGINE and docker_available():
        from testcontainers.elasticsearch import ElasticSearchContainer

        image = os.environ.get("ALERTSTATUS_TEST_ES_IMAGE", TEST_IMAGE)
        with ElasticSearchContainer(image, mem_limit="2G") as container:
            yield container.get_url()
        return
    with temporary_node(settings) as url:
        yield url
