"""`alertstatus apikey create|list|revoke` and `alertstatus password-hash`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, TypeVar

import typer

from alertstatus.auth.api_keys import ApiKeyStore
from alertstatus.auth.hashing import hash_secret
from alertstatus.auth.models import Role
from alertstatus.errors import InvalidSpaceId
from alertstatus.settings import get_settings

T = TypeVar("T")

apikey_app = typer.Typer(help="API keys (stored hashed in Elasticsearch), shown once at creation.")


def _with_store(work: Callable[[ApiKeyStore], Awaitable[T]]) -> T:
    from alertstatus.es.gateway import Gateway
    from alertstatus.es.runtime import service_node
    from alertstatus.services import connection_settings

    settings = get_settings()
    url = settings.elasticsearch_url or service_node(settings).url

    async def run() -> T:
        gateway = Gateway(connection_settings(settings, url))
        try:
            return await work(ApiKeyStore(gateway, settings.api_key_index))
        finally:
            await gateway.close()

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
        key = _with_store(lambda store: store.create(role=role, spaces=spaces, name=name,
                                                     expires_at=expires_at))  # fmt: skip
    except InvalidSpaceId as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    assert key is not None
    typer.echo(f"id:      {key.id}")
    typer.echo(f"role:    {key.role.value}")
    typer.echo(f"spaces:  {'*' if key.spaces is None else ','.join(key.spaces)}")
    typer.echo(f"encoded: {key.encoded}")
    typer.echo(f"header:  Authorization: {key.header}")
    typer.echo("This is the only time the key is shown.", err=True)


@apikey_app.command("list")
def list_keys() -> None:
    """Every key: id, role, spaces, created, expires, last used, revoked. Never the secret."""
    for key in _with_store(lambda store: store.list()):
        state = "revoked" if key.get("revoked") else "active"
        typer.echo(
            f"{key['id']}  {key['role']:<8} {','.join(key.get('spaces') or [])}  {state}  "
            f"created={key.get('created_at')} expires={key.get('expires_at')} "
            f"last_used={key.get('last_used_at')}  {key.get('name', '')}"
        )


@apikey_app.command("revoke")
def revoke(key_id: Annotated[str, typer.Argument(help="The key's id.")]) -> None:
    """Revoke a key; other running processes stop trusting it within the cache TTL."""
    if not _with_store(lambda store: store.revoke(key_id)):
        typer.echo(f"no API key {key_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"revoked {key_id}")


def password_hash(
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    """Print an argon2 hash for a Basic user in ALERTSTATUS_AUTH_USERS."""
    typer.echo(hash_secret(password))
