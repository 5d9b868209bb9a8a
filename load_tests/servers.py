"""Start the servers that load runs measure, watch their processes, stop them.

Each server runs as a subprocess in its own session, so that stopping it also stops the workers it
forked, and so that its memory (RSS summed over the process tree) and its worker processes can be
watched while the load runs: a worker that crashed and was restarted shows up as a new process id.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

__all__ = [
    "PROJECT_ROOT",
    "ServerProcess",
    "ServiceSettings",
    "free_port",
    "get_status",
    "reference_command",
    "running",
    "service_command",
    "watch_rss",
]

PROJECT_ROOT = Path(__file__).resolve().parents[1]
_OFFLINE = {"BENTOML_DO_NOT_TRACK": "true", "GRADIO_ANALYTICS_ENABLED": "False"}


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


#: The service's default seconds between two background drift computations (settings.Settings).
DEFAULT_DRIFT_EVERY_S = 300


@dataclass(frozen=True)
class ServiceSettings:
    """How the credit-scoring service is started; the service reads these from its environment.

    Parameters
    ----------
    workers : int, default=1
        Worker processes of the model service (``CREDIT_SCORING_MODEL_WORKERS``).
    batching : bool, default=True
        Adaptive batching of predictions (``CREDIT_SCORING_BATCHING``, "on" or "off").
    recording : bool, default=True
        Decision records (``CREDIT_SCORING_RECORDING``); off only to measure what they cost.
    drift_every_s : int or None, default=DEFAULT_DRIFT_EVERY_S
        Seconds between the monitor's drift computations (``CREDIT_SCORING_MONITORING_SECONDS``);
        None turns the background computation off (``CREDIT_SCORING_MONITORING``).
    """

    workers: int = 1
    batching: bool = True
    recording: bool = True
    drift_every_s: int | None = DEFAULT_DRIFT_EVERY_S

    @property
    def label(self) -> str:
        """str: short description for tables, e.g. "batched, 2 workers" ("..., not recorded")."""
        mode = "batched" if self.batching else "unbatched"
        extras = "" if self.recording else ", not recorded"
        if self.drift_every_s is None:
            extras += ", no drift monitor"
        elif self.drift_every_s != DEFAULT_DRIFT_EVERY_S:
            extras += f", drift every {self.drift_every_s} s"
        return f"{mode}, {self.workers} worker{'s' if self.workers > 1 else ''}{extras}"

    def environment(self) -> dict[str, str]:
        """Return the environment variables that carry these settings to the service."""
        monitoring = ({"CREDIT_SCORING_MONITORING": "off"} if self.drift_every_s is None else
                      {"CREDIT_SCORING_MONITORING": "on",
                       "CREDIT_SCORING_MONITORING_SECONDS": str(self.drift_every_s)})
        return {"CREDIT_SCORING_MODEL_WORKERS": str(self.workers),
                "CREDIT_SCORING_BATCHING": "on" if self.batching else "off",
                "CREDIT_SCORING_RECORDING": "on" if self.recording else "off", **monitoring}


def service_command(*, port: int, target: str = ".") -> list[str]:
    """Return the command that serves the BentoML service (`target`: bentofile folder or Bento tag)."""
    return [sys.executable, "-m", "bentoml", "serve", target, "--host", "127.0.0.1", "--port", str(port)]


def reference_command(*, port: int, model_tag: str) -> list[str]:
    """Return the command that serves model `model_tag` with the plain FastAPI reference server."""
    return [sys.executable, "-m", "load_tests.reference_server", "--host", "127.0.0.1", "--port", str(port),
            "--model", model_tag]


class ServerProcess:
    """A running server: its URL, its process tree, its memory and its log."""

    def __init__(self, process: subprocess.Popen[bytes], *, url: str, log_path: Path) -> None:
        self.process = process
        self.url = url
        self.log_path = log_path
        self._root = psutil.Process(process.pid)

    def processes(self) -> list[psutil.Process]:
        """Return the server's live processes: the one started and all its descendants."""
        try:
            return [self._root, *self._root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def pids(self) -> set[int]:
        """Return the ids of the server's live processes (a restarted worker gets a new one)."""
        return {p.pid for p in self.processes()}

    def rss_mb(self) -> float:
        """Return the resident memory of the whole process tree, in MiB."""
        total = 0
        for proc in self.processes():
            with contextlib.suppress(psutil.NoSuchProcess):
                total += proc.memory_info().rss
        return total / 2**20

    def alive(self) -> bool:
        """Return whether the process that was started still runs."""
        return self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        """Return the last `lines` lines of the server's log."""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def wait_ready(self, *, path: str, timeout_s: float) -> None:
        """Wait until GET `path` answers 200.

        Raises
        ------
        RuntimeError
            If the server exits or is not ready within `timeout_s`; the message holds its log's tail.
        """
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"server exited with code {self.process.returncode} before it was "
                                   f"ready; end of {self.log_path}:\n{self.log_tail()}")
            if get_status(self.url + path, timeout_s=2.0) == 200:
                return
            time.sleep(0.3)
        raise RuntimeError(f"server not ready at {self.url}{path} after {timeout_s:.0f} s; end of "
                           f"{self.log_path}:\n{self.log_tail()}")

    def crash(self) -> None:
        """Kill the server at once, as a power cut would: SIGKILL to every process of its tree.

        The tree is collected before the first signal: BentoML's workers run in sessions of their own
        and, once the arbiter is gone, would no longer be found as its descendants (stack notes).
        """
        tree = self.processes()
        for process in tree:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        psutil.wait_procs(tree, timeout=10)
        self.process.wait(timeout=10)

    def stop(self, *, timeout_s: float = 5.0) -> None:
        """Stop the server and all its processes: SIGTERM, then SIGKILL to what is left after `timeout_s`.

        The wait is short on purpose: BentoML's entry service (the one with the Gradio page) took about
        60 s to exit on SIGTERM here, while holding no request, and outlived ``bentoml serve`` by 20-30 s
        after a load run, under the next measurement. Its workers run in sessions of their own, out of
        reach of the group's signals: whichever of them is left once ``bentoml serve`` has exited (or
        after `timeout_s`) is killed.
        """
        if not self.alive():
            return
        tree = self.processes()
        os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=timeout_s)
        for process in tree:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        self.process.wait(timeout=timeout_s)


@contextlib.contextmanager
def running(command: Sequence[str], *, url: str, log_path: Path, env: Mapping[str, str] | None = None,
            ready_path: str = "/readyz", ready_timeout_s: float = 180.0,
            cwd: Path = PROJECT_ROOT) -> Iterator[ServerProcess]:
    """Run a server for the duration of a ``with`` block, ready before the block starts.

    Parameters
    ----------
    command : sequence of str
        The server's command line (see `service_command` and `reference_command`).
    url : str
        Base URL the server listens on.
    log_path : Path
        File that receives the server's standard output and error.
    env : mapping of str to str, optional
        Variables added to this process's environment (offline settings are always added). Unless
        it names one, the server records its decisions in a SQLite store of its own beside its log.
    ready_path : str, default="/readyz"
        Path that answers 200 once the server can take traffic.
    ready_timeout_s : float, default=180.0
        Longest wait for readiness.
    cwd : Path, default=PROJECT_ROOT
        The server's working folder. A Bento is served from elsewhere, as a container serves it: from
        the project's folder it would import the project's own packages, whatever it holds.

    Yields
    ------
    ServerProcess
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    store = {"CREDIT_SCORING_DATABASE_URL": f"sqlite:///{log_path.with_suffix('.decisions.sqlite3')}"}
    with log_path.open("wb") as log:
        process = subprocess.Popen(list(command), cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                   env={**os.environ, **_OFFLINE, **store, **(env or {})},
                                   start_new_session=True)
    server = ServerProcess(process, url=url, log_path=log_path)
    try:
        server.wait_ready(path=ready_path, timeout_s=ready_timeout_s)
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def watch_rss(server: ServerProcess, *, every_s: float = 0.25) -> Iterator[list[float]]:
    """Sample the server's memory (MiB) while the block runs; the list holds every sample, in order."""
    samples = [server.rss_mb()]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(every_s):
            samples.append(server.rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield samples
    finally:
        stop.set()
        sampler.join()
        samples.append(server.rss_mb())


def get_status(url: str, *, timeout_s: float = 5.0) -> int:
    """Return the HTTP status of GET `url` (0 when the connection failed or timed out)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0
