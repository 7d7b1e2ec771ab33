"""`alertstatus serve` (what `make run` runs) never leaves behind a node it started.

Each case is a real `serve` with its own ALERTSTATUS_HOME (the engine's jars linked in from the
real cache) and its own ports, so it starts its own local node; the cases run side by side. A
node's pid is read from its pid file while `serve` answers, and after the stop it must be gone:

- Ctrl-C once, Ctrl-C twice, SIGTERM: `serve` stops the node itself on the way out;
- SIGKILL: no code of `serve` runs; the kernel's parent-death signal stops the node;
- Ctrl-C while the node is still starting: the start is abandoned and the node stopped.

And the next `serve` after a node was left behind (docs/reliability.md, "Process lifetimes"):
one that answers is adopted and stops with that `serve`; a frozen one (it holds the data folder
but answers nothing) is stopped and a fresh one started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from alertstatus.es.engines import local_engine
from alertstatus.es.runtime import free_port
from alertstatus.settings import Settings

pytestmark = [pytest.mark.storage, pytest.mark.multinode, pytest.mark.lifetimes]

HEAP = "256m"
START_BOUND = 240.0  # seconds for a node of its own to start beside the others
GONE_BOUND = 60.0  # seconds for a node to end once its `serve` was stopped


def alive(pid: int) -> bool:
    """Running, and not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            state = stat.read().rsplit(")", 1)[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def private_home(root: Path) -> Path:
    """An ALERTSTATUS_HOME of its own that reuses the real cache's jars (and Java) by link."""
    settings = Settings()
    engine = local_engine(settings.engine)
    root.mkdir(parents=True)
    for name in (engine.folder, "java"):
        if (settings.home / name).exists():
            (root / name).symlink_to(settings.home / name)
    return root


TAKEN: set[int] = set()  # ports given to a case: free now, but its node binds them later


def distinct_port(first: int, last: int) -> int:
    while (port := free_port(first, last)) in TAKEN:
        pass
    TAKEN.add(port)
    return port


@dataclass
class Serve:
    """One `alertstatus serve` with its own home and ports."""

    home: Path
    es_port: int = field(default_factory=lambda: distinct_port(9250, 9299))
    port: int = field(default_factory=lambda: distinct_port(20000, 29999))
    process: subprocess.Popen[bytes] | None = None

    @property
    def pid_file(self) -> Path:
        engine = local_engine(Settings().engine)
        return self.home / "nodes" / f"{engine.name}-{self.es_port}" / "node.pid"

    def environment(self) -> dict[str, str]:
        environment = {
            key: value for key, value in os.environ.items() if key != "ELASTICSEARCH_URL"
        }
        return {
            **environment,
            "ALERTSTATUS_HOME": str(self.home),
            "ALERTSTATUS_ES_PORT": str(self.es_port),
            "ALERTSTATUS_ES_HEAP": HEAP,
            "ALERTSTATUS_LOG_LEVEL": "WARNING",
        }

    def start(self) -> None:
        log = open(self.home / "serve.log", "ab")  # noqa: SIM115 - kept open by the child
        self.process = subprocess.Popen(
            [sys.executable, "-m", "alertstatus", "serve", "--port", str(self.port)],
            env=self.environment(),
            stdout=log,
            stderr=log,
        )
        log.close()

    def answers(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"serve exited: {(self.home / 'serve.log').read_text()[-3000:]}")
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}/api/status", timeout=5).is_success
        except httpx.TransportError:
            return False

    def node_pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text())
        except (OSError, ValueError):
            return None

    def signal(self, *signals: signal.Signals) -> None:
        assert self.process is not None
        for number in signals:
            self.process.send_signal(number)
            time.sleep(0.3)

    def end(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


def wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return bool(predicate())


@pytest.fixture
def serves(tmp_path: Path) -> Iterator[dict[str, Serve]]:
    """Serves by name; every process and node left is killed afterwards."""
    made: dict[str, Serve] = {}
    yield made
    for serve in made.values():
        serve.end()
        pid = serve.node_pid()
        if pid is not None and alive(pid):
            os.killpg(pid, signal.SIGKILL)


def node_started(serve: Serve) -> bool:
    pid = serve.node_pid()
    return pid is not None and alive(pid)


STOPS = {
    "Ctrl-C": (signal.SIGINT,),
    "Ctrl-C twice": (signal.SIGINT, signal.SIGINT),
    "SIGTERM": (signal.SIGTERM,),
    "SIGKILL": (signal.SIGKILL,),
}


def test_serve_never_leaves_a_node_it_started(serves, tmp_path: Path) -> None:
    for name in [*STOPS, "Ctrl-C while the node starts"]:
        serves[name] = Serve(private_home(tmp_path / name.replace(" ", "-")))
        serves[name].start()
    starting = serves["Ctrl-C while the node starts"]
    assert wait_until(lambda: node_started(starting), START_BOUND), "no node started"
    pids = {"Ctrl-C while the node starts": starting.node_pid()}
    starting.signal(signal.SIGINT)  # the node is up as a process, not yet serving
    for name in STOPS:
        assert wait_until(serves[name].answers, START_BOUND), f"{name}: serve never answered"
        pids[name] = serves[name].node_pid()
        assert pids[name] is not None and alive(pids[name]), name
        serves[name].signal(*STOPS[name])

    left = {
        name: pid
        for name, pid in pids.items()
        if pid is not None and not wait_until(lambda pid=pid: not alive(pid), GONE_BOUND)
    }
    assert not left, f"nodes outlived their serve: {left}"
    for name, serve in serves.items():
        assert serve.process is not None and serve.process.wait(timeout=30) is not None, name


# Starts a node the way a `serve` would, but from a thread that is not the main one (so without
# the parent-death signal), and exits: the node is left behind, as after an abrupt end.
LEAVE_A_NODE = textwrap.dedent(
    """
    import threading
    from alertstatus.es.runtime import service_node
    from alertstatus.settings import Settings

    node = service_node(Settings())
    thread = threading.Thread(target=node.start, kwargs={"timeout": 240})
    thread.start()
    thread.join()
    print(node.process.pid, flush=True)
    """
)


def leave_a_node(serve: Serve) -> int:
    result = subprocess.run(
        [sys.executable, "-c", LEAVE_A_NODE],
        env=serve.environment(),
        capture_output=True,
        text=True,
        timeout=START_BOUND,
        check=True,
    )
    return int(result.stdout.split()[-1])


def test_the_next_serve_adopts_or_stops_a_node_left_behind(serves, tmp_path: Path) -> None:
    adopting = serves["adopts"] = Serve(private_home(tmp_path / "adopts"))
    replacing = serves["replaces"] = Serve(private_home(tmp_path / "replaces"))
    left = leave_a_node(adopting)
    frozen = leave_a_node(replacing)
    assert alive(left) and alive(frozen)
    os.killpg(frozen, signal.SIGSTOP)  # holds its data folder, answers nothing

    adopting.start()
    replacing.start()
    assert wait_until(adopting.answers, 60), "serve did not use the node that answers"
    assert adopting.node_pid() == left
    assert wait_until(replacing.answers, START_BOUND), "serve did not start a fresh node"
    assert not alive(frozen)
    fresh = replacing.node_pid()
    assert fresh is not None and fresh != frozen and alive(fresh)

    adopting.signal(signal.SIGTERM)
    replacing.signal(signal.SIGTERM)
    assert wait_until(lambda: not alive(left), GONE_BOUND), "the adopted node outlived serve"
    assert wait_until(lambda: not alive(fresh), GONE_BOUND), "the fresh node outlived serve"
