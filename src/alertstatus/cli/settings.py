"""`alertstatus settings`: every setting as a Markdown table (docs/configuration.md is this)."""

from __future__ import annotations

import typer

from alertstatus.settings import settings_table


def print_settings() -> None:
    """Print every setting (environment variable, default, meaning) as a Markdown table."""
    typer.echo(settings_table(), nl=False)
