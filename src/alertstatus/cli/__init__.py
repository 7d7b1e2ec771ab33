"""The `alertstatus` command: the root Typer app, with one module per command or command group.

Commands build their gateway and services through `alertstatus.services`, as the HTTP app does,
and never import the HTTP app: `serve` names it only as an import string for uvicorn
(`serve.APP_FACTORY`). Commands, options and exit codes are in docs/operations.md.
"""

from __future__ import annotations

import typer

from alertstatus.cli.apikeys import apikey_app, password_hash
from alertstatus.cli.loadtest import loadtest
from alertstatus.cli.node import node_app
from alertstatus.cli.seed import seed
from alertstatus.cli.serve import serve
from alertstatus.cli.settings import print_settings
from alertstatus.cli.status_changes import acknowledge, close, reopen
from alertstatus.cli.tasks import tasks_app
from alertstatus.cli.templates import templates_app

app = typer.Typer(help="Bulk alert status service on Elasticsearch.", no_args_is_help=True)

# `--help` lists commands in this order, then the groups in theirs.
app.command("password-hash")(password_hash)
app.command("serve")(serve)
app.command("settings")(print_settings)
app.command("seed")(seed)
app.command("loadtest")(loadtest)
app.command("close")(close)
app.command("open")(reopen)
app.command("acknowledge")(acknowledge)

app.add_typer(node_app, name="es")
app.add_typer(templates_app, name="templates")
app.add_typer(apikey_app, name="apikey")
app.add_typer(tasks_app, name="tasks")
