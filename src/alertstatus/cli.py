"""The `alertstatus` command: serve the API, run the local Elasticsearch node, install templates."""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Annotated

import typer
import uvicorn

from alertstatus.auth.cli import apikey_app, password_hash
from alertstatus.es.runtime import (
    ElasticsearchStartError,
    elasticsearch_for_service,
    elasticsearch_info,
    service_node,
)
from alertstatus.settings import get_settings

app = typer.Typer(help="Bulk alert status service on Elasticsearch.", no_args_is_help=True)
es_app = typer.Typer(help="The local Elasticsearch node (used when ELASTICSEARCH_URL is unset).")
templates_app = typer.Typer(help="Index templates for Kibana's security alerts layout.")
app.add_typer(es_app, name="es")
app.add_typer(templates_app, name="templates")
app.add_typer(apikey_app, name="apikey")
app.command("password-hash")(password_hash)


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (ALERTSTATUS_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (ALERTSTATUS_PORT).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the API; starts (or reuses) a local Elasticsearch when ELASTICSEARCH_URL is unset."""
    _logging()
    settings = get_settings()
    try:
        with elasticsearch_for_service(settings) as url:
            os.environ["ELASTICSEARCH_URL"] = url  # what every worker's settings read
            get_settings.cache_clear()
            uvicorn.run(
                "alertstatus.app:create_app",
                factory=True,
                host=host or settings.host,
                port=port or settings.port,
                workers=workers,
                timeout_keep_alive=75,
            )
    except ElasticsearchStartError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error


@es_app.command("start")
def es_start() -> None:
    """Start the local node in the background (fetched from Maven Central on first use)."""
    _logging()
    node = service_node(get_settings())
    if elasticsearch_info(node.url) is not None:
        typer.echo(f"Elasticsearch already answers at {node.url}")
        return
    try:
        node.start(get_settings().es_start_timeout, detach=True)
    except ElasticsearchStartError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    typer.echo(f"Elasticsearch is up at {node.url} (log: {node.log_path})")


@es_app.command("stop")
def es_stop() -> None:
    """Stop the local node started by `es start`."""
    node = service_node(get_settings())
    node.stop()
    typer.echo("stopped" if elasticsearch_info(node.url) is None else "still answering")


@es_app.command("status")
def es_status() -> None:
    """Say whether the local node answers; exit 1 when it does not."""
    node = service_node(get_settings())
    info = elasticsearch_info(node.url)
    if info is None:
        typer.echo(f"no Elasticsearch at {node.url}")
        raise typer.Exit(1)
    version = info.get("version")
    number = version.get("number") if isinstance(version, dict) else "?"
    typer.echo(f"Elasticsearch {number} at {node.url} (log: {node.log_path})")


@templates_app.command("install")
def templates_install(
    space: Annotated[
        list[str] | None, typer.Option(help="Also create these spaces' indices.")
    ] = None,
) -> None:
    """Install the component templates (and spaces' indices) into the configured cluster."""
    from alertstatus.app import connection_settings
    from alertstatus.es.gateway import Gateway
    from alertstatus.es.templates import AlertIndices

    settings = get_settings()
    url = settings.elasticsearch_url or service_node(settings).url

    async def install() -> None:
        gateway = Gateway(connection_settings(settings, url))
        try:
            indices = AlertIndices(gateway)
            await indices.install_components()
            for space_id in space or []:
                typer.echo(f"space {space_id}: {await indices.ensure_space(space_id)}")
        finally:
            await gateway.close()

    asyncio.run(install())
    typer.echo("templates installed")
