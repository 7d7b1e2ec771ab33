"""How a command reaches the cluster: which URL, and its services from the composition root.

Commands other than `serve` use ELASTICSEARCH_URL when it is set and the local node's address
otherwise (docs/operations.md, "The local node"). Their services come from `alertstatus.services`,
built once per command, so a command runs the HTTP API's own code with one gateway: a command that
is one coroutine opens them with `command_services`; one that mixes prompts, polling and Ctrl-C
with cluster calls holds a `CliSession`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from contextlib import AbstractAsyncContextManager
from typing import Any, Self, TypeVar

from alertstatus.es.runtime import service_node
from alertstatus.services import Services, build_services, open_services
from alertstatus.settings import Settings

T = TypeVar("T")


def cluster_url(settings: Settings) -> str:
    """ELASTICSEARCH_URL, else the local node's address (`es start`, or `serve` without a URL)."""
    return settings.elasticsearch_url or service_node(settings).url


def command_services(settings: Settings) -> AbstractAsyncContextManager[Services]:
    """The services of a one-coroutine command; their gateway is closed afterwards."""
    return open_services(settings, url=cluster_url(settings))


class CliSession:
    """Async calls from synchronous command code (asyncio.Runner keeps one loop alive).

    Between calls the command is plain synchronous Python, so a prompt or Ctrl-C (a
    KeyboardInterrupt, also when it lands inside a call) is handled without asyncio tricks.
    """

    def __init__(self, settings: Settings, *, url: str | None = None) -> None:
        self._runner = asyncio.Runner()
        try:
            self.services = self.run(self._build(settings, url or cluster_url(settings)))
        except BaseException:
            self._runner.close()
            raise

    @staticmethod
    async def _build(settings: Settings, url: str) -> Services:
        """Inside the session's loop, where the gateway's transport will run."""
        return build_services(settings, url=url)

    def run(self, call: Coroutine[Any, Any, T]) -> T:
        return self._runner.run(call)

    def close(self) -> None:
        try:
            self.run(self.services.close())
        finally:
            self._runner.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
