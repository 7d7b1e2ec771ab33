"""The concurrency oracle's workers: HTTP requests on one running app, and `alertstatus close`
processes, all at once on the same alerts, each request recorded with its answer and times.

The HTTP workers speak ASGI to an app already started by `make_client` (its services, its
gateway and its connection pool to the real node), on the app's own event loop, so requests
truly overlap in the service and in Elasticsearch. The CLI runs as separate processes, as an
operator's would, with their own services. Every call has a bound: a request that does not
answer within it fails the run as a hang.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests.oracle.judge import Exchange
from tests.oracle.requests import Plan, Request

ANSWER_BOUND = 60.0  # seconds for one HTTP request
CLI_BOUND = 120.0  # seconds for one `alertstatus close` run, start-up included


@dataclass
class Workload:
    """Who sends what: `http_workers` drain the plan's HTTP requests in order while two CLI
    lanes run the plan's CLI runs; the HTTP workers stop once the CLI is done and
    `min_requests` were answered (or after `seconds`, or when the plan runs out)."""

    space: str
    plan: Plan
    cli_env: dict[str, str]
    query_dir: Path
    http_workers: int = 8
    min_requests: int = 400
    seconds: float = 45.0

    async def run(self, http: httpx.AsyncClient) -> list[Exchange]:
        exchanges: list[Exchange] = []
        pending = deque(self.plan.http)
        cli_done = asyncio.Event()
        started = time.monotonic()

        async def http_worker() -> None:
            while pending and time.monotonic() - started < self.seconds:
                if cli_done.is_set() and len(exchanges) >= self.min_requests:
                    return
                exchanges.append(await self.send(http, pending.popleft()))

        async def cli_lane(runs: tuple[Request, ...]) -> None:
            for request in runs:
                exchanges.append(await self.run_cli(request))

        async def cli() -> None:
            async with asyncio.TaskGroup() as lanes:
                for lane in (self.plan.cli[0::2], self.plan.cli[1::2]):
                    lanes.create_task(cli_lane(lane))
            cli_done.set()

        async with asyncio.TaskGroup() as workers:  # one failure cancels the rest
            workers.create_task(cli())
            for _ in range(self.http_workers):
                workers.create_task(http_worker())
        return exchanges

    async def send(self, http: httpx.AsyncClient, request: Request) -> Exchange:
        method, path, params, body = request.http(self.space)
        sent_at = time.monotonic()
        try:
            async with asyncio.timeout(ANSWER_BOUND):
                response = await http.request(
                    method,
                    path,
                    params=params,
                    json=body,
                    headers={"x-request-id": request.request_id},
                )
        except TimeoutError as error:
            raise AssertionError(
                f"{request.describe()} not answered in {ANSWER_BOUND} s"
            ) from error
        answered_at = time.monotonic()
        parsed: Any
        try:
            parsed = response.json()
        except ValueError:
            parsed = response.text
        return Exchange(request, sent_at, answered_at, response.status_code, parsed)

    async def run_cli(self, request: Request) -> Exchange:
        query_file = None
        if (file_query := request.cli_file_query()) is not None:
            path = self.query_dir / f"query-{request.number}.json"
            path.write_text(json.dumps(file_query))
            query_file = str(path)
        sent_at = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "alertstatus",
            *request.cli_arguments(self.space, query_file),
            env=self.cli_env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            async with asyncio.timeout(CLI_BOUND):
                stdout, stderr = await process.communicate()
        except TimeoutError as error:
            raise AssertionError(f"{request.describe()} did not end in {CLI_BOUND} s") from error
        finally:
            if process.returncode is None:  # timed out or cancelled: never leave it running
                process.kill()
                await process.wait()
        answered_at = time.monotonic()
        output = {"stdout": stdout.decode(), "stderr": stderr.decode()[-2000:]}
        return Exchange(request, sent_at, answered_at, process.returncode or 0, output)


def run_on_app(client: TestClient, workload: Workload) -> list[Exchange]:
    """Run the workload on the started app's event loop, with the client's credentials."""

    async def run() -> list[Exchange]:
        transport = httpx.ASGITransport(app=client.app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://testserver",
            headers={"authorization": client.headers["authorization"]},
            timeout=None,
        ) as http:
            return await workload.run(http)

    assert client.portal is not None
    return client.portal.call(run)
