"""`alertstatus apikey create|list|revoke` and `alertstatus password-hash`.

Keys are made and revoked through the very store the running service checks them against
(`Services.authenticator.api_keys`), so both agree on the index and the record's shape
(docs/security.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, TypeVar

import typer

from alertstatus.auth.api_keys import ApiKeyStore
from alertstatus.auth.hashing import hash_secret
from alertstatus.auth.models import Role
from alertstatus.cli.console import fail
from alertstatus.cli.session import command_services
from alertstatus.errors import InvalidSpaceId
from alertstatus.settings import get_settings

T = TypeVar("T")

apikey_app = typer.Typer(help="API keys (stored hashed in Elasticsearch), shown once at creation.")


def with_api_keys(work: Callable[[ApiKeyStore], Awaitable[T]]) -> T:
    """Run `work` on the configured cluster's API key store, for one command."""

    async def run() -> T:
        async with command_services(get_settings()) as services:
            return await work(services.authenticator.api_keys)

    return asyncio.run(run())


@apikey_app.command("create")
def create(
    role: Annotated[Role, typer.Option(help="viewer (read-only), analyst or admin.")] = Role.VIEWER,
    space: Annotated[
        list[str] | None, typer.Option(help="Space the key may use (repeat); default: default.")
    ] = None,
    all_spaces: Annotated[bool, typer.Option(help="Every space, present and future.")] = False,
    name: Annotated[str, typer.Option(help="A label for `apikey list`.")] = "",
    expires_in_days: Annotated[int | None, typer.Option(min=1, help="Expiry.")] = None,
) -> None:
    """Create a key and print it once: only its argon2 hash is stored."""
    spaces = None if all_spaces else tuple(space or ["default"])
    expires_at = datetime.now(UTC) + timedelta(days=expires_in_days) if expires_in_days else None
    try:
        key = with_api_keys(
            lambda store: store.create(role=role, spaces=spaces, name=name, expires_at=expires_at)
        )
    except InvalidSpaceId as error:
        raise fail(str(error), code=2) from error
    typer.echo(f"id:      {key.id}")
    typer.echo(f"role:    {key.role.value}")
    typer.echo(f"spaces:  {'*' if key.spaces is None else ','.join(key.spaces)}")
    typer.echo(f"encoded: {key.encoded}")
    typer.echo(f"header:  Authorization: {key.header}")
    typer.echo("This is the only time the key is shown.", err=True)


@apikey_app.command("list")
def list_keys() -> None:
    """Every key: id, role, spaces, created, expires, last used, revoked. Never the secret."""
    for key in with_api_keys(lambda store: store.list()):
        state = "revoked" if key.get("revoked") else "active"
        typer.echo(
            f"{key['id']}  {key['role']:<8} {','.join(key.get('spaces') or [])}  {state}  "
            f"created={key.get('created_at')} expires={key.get('expires_at')} "
            f"last_used={key.get('last_used_at')}  {key.get('name', '')}"
        )


@apikey_app.command("revoke")
def revoke(key_id: Annotated[str, typer.Argument(help="The key's id.")]) -> None:
    """Revoke a key; running servers refuse it within ALERTSTATUS_AUTH_RECHECK_SECONDS."""
    if not with_api_keys(lambda store: store.revoke(key_id)):
        typer.echo(f"no API key {key_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"revoked {key_id}")


def password_hash(
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    """Print an argon2 hash for a Basic user in ALERTSTATUS_AUTH_USERS."""
    typer.echo(hash_secret(password))
