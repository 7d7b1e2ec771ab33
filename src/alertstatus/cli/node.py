"""`alertstatus es start|stop|status`: the local development node, or a local cluster.

It is what `serve` and the other commands use when ELASTICSEARCH_URL is unset
(docs/operations.md, "The local node"); `es start` leaves it running in the background.
`es start --nodes 3` starts a cluster of three nodes instead (es/cluster.py: one JVM each, HTTP on
ALERTSTATUS_ES_PORT and the two ports after it), which `serve` then uses through its first node;
`es stop` stops whichever runs.
"""

from __future__ import annotations

from typing import Annotated

import typer

from alertstatus.cli.console import configure_command_logging, fail
from alertstatus.es.capabilities import ClusterVersion
from alertstatus.es.cluster import DEFAULT_NODES, service_cluster
from alertstatus.es.runtime import (
    ElasticsearchStartError,
    LocalNode,
    elasticsearch_info,
    service_node,
)
from alertstatus.settings import Settings, get_settings

node_app = typer.Typer(
    help="The local node, of ALERTSTATUS_ENGINE (used when ELASTICSEARCH_URL is unset)."
)

MAX_NODES = 9  # HTTP ports up to ALERTSTATUS_ES_PORT + 8 (the runner serves up to 9299)


def local_nodes(settings: Settings) -> list[LocalNode]:
    """Every node `es start` may have left running: the single node and a cluster's members."""
    return [service_node(settings), *service_cluster(settings, MAX_NODES).nodes]


@node_app.command("start")
def start(
    nodes: Annotated[
        int,
        typer.Option(
            min=1,
            max=MAX_NODES,
            help=f"1: one node; more (e.g. {DEFAULT_NODES}): a local cluster, one JVM per node.",
        ),
    ] = 1,
) -> None:
    """Start the local node (or cluster) in the background (fetched from Maven Central once)."""
    settings = get_settings()
    configure_command_logging(settings)
    node = service_node(settings)
    if (info := elasticsearch_info(node.url)) is not None:
        typer.echo(f"{ClusterVersion.from_info(info)} already answers at {node.url}")
        return
    try:
        if nodes == 1:
            node.start(settings.es_start_timeout, detach=True)
            typer.echo(f"{node.engine.label} is up at {node.url} (log: {node.log_path})")
            return
        cluster = service_cluster(settings, nodes)
        cluster.start(settings.es_start_timeout + 60, detach=True)
    except ElasticsearchStartError as error:
        raise fail(str(error)) from error
    typer.echo(
        f"{cluster.engine.label}: cluster {cluster.name} of {nodes} nodes is up at "
        + ", ".join(cluster.urls)
        + f" (logs: {cluster.nodes[0].log_path.parent})"
    )


@node_app.command("stop")
def stop() -> None:
    """Stop the local node, or every node of the local cluster, started by `es start`."""
    started = [node for node in local_nodes(get_settings()) if node.pid is not None]
    for node in started:
        node.stop()
    still = [node.url for node in started if elasticsearch_info(node.url) is not None]
    typer.echo("stopped" if not still else "still answering: " + ", ".join(still))


@node_app.command("status")
def status() -> None:
    """Say whether the local node (and each node of a local cluster) answers; exit 1 when the
    first does not."""
    settings = get_settings()
    node = service_node(settings)
    info = elasticsearch_info(node.url)
    if info is None:
        typer.echo(f"no Elasticsearch or OpenSearch at {node.url}")
        raise typer.Exit(1)
    typer.echo(f"{ClusterVersion.from_info(info)} at {node.url} (log: {node.log_path})")
    members = [member for member in service_cluster(settings, MAX_NODES).nodes if member.pid]
    for member in members[1:]:
        answers = elasticsearch_info(member.url) is not None
        typer.echo(f"  cluster node at {member.url}: {'answers' if answers else 'no answer'}")
