"""`alertstatus templates install`: the index templates of `index_templates/`, by hand.

The service installs them itself at start-up and on a space's first use unless
ALERTSTATUS_INSTALL_TEMPLATES=false; this command is how an operator installs or upgrades them
either way (docs/operations.md, "Upgrades"), so it always installs.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from alertstatus.cli.session import command_services
from alertstatus.settings import get_settings

templates_app = typer.Typer(help="Index templates for Kibana's security alerts layout.")


@templates_app.command("install")
def install(
    space: Annotated[
        list[str] | None, typer.Option(help="Also create these spaces' indices.")
    ] = None,
) -> None:
    """Install the component templates (and spaces' indices) into the configured cluster."""
    settings = get_settings().model_copy(update={"install_templates": True})

    async def run() -> None:
        async with command_services(settings) as services:
            await services.indices.install_components()
            for space_id in space or []:
                typer.echo(f"space {space_id}: {await services.indices.ensure_space(space_id)}")

    asyncio.run(run())
    typer.echo("templates installed")
