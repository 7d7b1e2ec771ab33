"""`alertstatus serve`: uvicorn in front of the HTTP app, with a local node when none is set.

Workers import the app themselves from `APP_FACTORY`, so each builds its own services from the
settings of its own process; the URL of a local node reaches them through ELASTICSEARCH_URL.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer
import uvicorn

from alertstatus.cli.console import configure_command_logging, fail
from alertstatus.es.runtime import ElasticsearchStartError, elasticsearch_for_service
from alertstatus.settings import get_settings

APP_FACTORY = "alertstatus.api.app:create_app"
KEEP_ALIVE_SECONDS = 75  # above common load balancer idles (docs/operations.md)


def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (ALERTSTATUS_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (ALERTSTATUS_PORT).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the API; starts (or reuses) a local Elasticsearch when ELASTICSEARCH_URL is unset."""
    settings = get_settings()
    configure_command_logging(settings)
    try:
        with elasticsearch_for_service(settings) as url:
            os.environ["ELASTICSEARCH_URL"] = url  # what every worker's settings read
            get_settings.cache_clear()
            uvicorn.run(
                APP_FACTORY,
                factory=True,
                host=host or settings.host,
                port=port or settings.port,
                workers=workers,
                timeout_keep_alive=KEEP_ALIVE_SECONDS,
                log_config=None,  # the app factory installs our handlers (JSON or text)
                access_log=False,  # the request line comes from the app's own middleware
            )
    except ElasticsearchStartError as error:
        raise fail(str(error)) from error
