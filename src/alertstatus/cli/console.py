"""What a command prints besides its result: failures on stderr, and the service's log lines.

stdout is the command's result, for scripts to read; `error: ...` goes to stderr with a non-zero
exit code (the codes are in docs/operations.md).
"""

from __future__ import annotations

import typer

from alertstatus.observability.logs import configure_logging
from alertstatus.settings import Settings


def fail(message: str, code: int = 1) -> typer.Exit:
    """Say what went wrong on stderr; the caller raises the returned Exit (1 unless `code`)."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def configure_command_logging(settings: Settings) -> None:
    """Log as the service does (ALERTSTATUS_LOG_FORMAT, ALERTSTATUS_LOG_LEVEL)."""
    configure_logging(settings.log_format, settings.log_level)
