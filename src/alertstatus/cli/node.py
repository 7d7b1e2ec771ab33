"""`alertstatus es start|stop|status`: the local development node.

It is what `serve` and the other commands use when ELASTICSEARCH_URL is unset
(docs/operations.md, "The local node"); `es start` leaves it running in the background.
"""

from __future__ import annotations

import typer

from alertstatus.cli.console import configure_command_logging, fail
from alertstatus.es.capabilities import ClusterVersion
from alertstatus.es.runtime import (
    ElasticsearchStartError,
    elasticsearch_info,
    service_node,
)
from alertstatus.settings import get_settings

node_app = typer.Typer(
    help="The local node, of ALERTSTATUS_ENGINE (used when ELASTICSEARCH_URL is unset)."
)


@node_app.command("start")
def start() -> None:
    """Start the local node in the background (fetched from Maven Central on first use)."""
    settings = get_settings()
    configure_command_logging(settings)
    node = service_node(settings)
    if (info := elasticsearch_info(node.url)) is not None:
        typer.echo(f"{ClusterVersion.from_info(info)} already answers at {node.url}")
        return
    try:
        node.start(settings.es_start_timeout, detach=True)
    except ElasticsearchStartError as error:
        raise fail(str(error)) from error
    typer.echo(f"{node.engine.label} is up at {node.url} (log: {node.log_path})")


@node_app.command("stop")
def stop() -> None:
    """Stop the local node started by `es start`."""
    node = service_node(get_settings())
    node.stop()
    typer.echo("stopped" if elasticsearch_info(node.url) is None else "still answering")


@node_app.command("status")
def status() -> None:
    """Say whether the local node answers; exit 1 when it does not."""
    node = service_node(get_settings())
    info = elasticsearch_info(node.url)
    if info is None:
        typer.echo(f"no Elasticsearch or OpenSearch at {node.url}")
        raise typer.Exit(1)
    typer.echo(f"{ClusterVersion.from_info(info)} at {node.url} (log: {node.log_path})")
