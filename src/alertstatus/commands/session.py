"""One event loop and one gateway for a command that mixes prompts, polling and Ctrl-C."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, Self, TypeVar

from alertstatus.es.gateway import Gateway
from alertstatus.settings import Settings

T = TypeVar("T")


class CliSession:
    """Async calls from synchronous command code (asyncio.Runner keeps one loop alive).

    Between calls the command is plain synchronous Python, so a prompt or Ctrl-C (a
    KeyboardInterrupt, also when it lands inside a call) is handled without asyncio tricks.
    """

    def __init__(self, settings: Settings, url: str) -> None:
        from alertstatus.services import connection_settings

        self.settings = settings
        self._runner = asyncio.Runner()
        self.gateway: Gateway = self.run(self._connect(connection_settings(settings, url)))

    @staticmethod
    async def _connect(connection: Any) -> Gateway:
        return Gateway(connection)

    def run(self, call: Coroutine[Any, Any, T]) -> T:
        return self._runner.run(call)

    def close(self) -> None:
        try:
            self.run(self.gateway.close())
        finally:
            self._runner.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
