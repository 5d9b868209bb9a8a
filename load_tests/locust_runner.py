"""Run Locust headless in a subprocess and read back its aggregated statistics.

Locust monkey-patches the interpreter with gevent when imported, so it always runs in a process of
its own (``python -m locust``); its figures come back through the CSV files it writes.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from load_tests.servers import PROJECT_ROOT
from load_tests.thresholds import RunSummary, Thresholds

__all__ = ["LOCUSTFILE", "REFERENCE_LOCUSTFILE", "LocustRun", "failure_kinds", "read_failures",
           "read_request_counts", "read_summary", "run_locust"]

LOCUSTFILE = PROJECT_ROOT / "load_tests" / "locustfile.py"
REFERENCE_LOCUSTFILE = PROJECT_ROOT / "load_tests" / "reference_locustfile.py"


@dataclass(frozen=True)
class LocustRun:
    """What one headless Locust run produced.

    Parameters
    ----------
    summary : RunSummary
        Aggregated statistics over all requests.
    requests : dict of str to int
        Requests completed per request name ("predict 1 (history)", "ui page", ...).
    failures : dict of str to int
        Each distinct failure (Locust's error text, e.g. "HTTP 503: ...") and how often it happened.
    exit_code : int
        Locust's exit code: 0 when every threshold was met.
    output : str
        Locust's log (standard output and error), where broken thresholds are named.
    """

    summary: RunSummary
    requests: dict[str, int]
    failures: dict[str, int]
    exit_code: int
    output: str


def read_summary(stats_csv: Path) -> RunSummary:
    """Read the "Aggregated" row of a Locust ``<prefix>_stats.csv`` file.

    Raises
    ------
    ValueError
        If the file has no "Aggregated" row (the run did not get to write its statistics).
    """
    with stats_csv.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Name"] == "Aggregated":
                return RunSummary(requests=int(row["Request Count"]), failures=int(row["Failure Count"]),
                                  rps=float(row["Requests/s"]), p50_ms=float(row["50%"]),
                                  p95_ms=float(row["95%"]), p99_ms=float(row["99%"]))
    raise ValueError(f"{stats_csv} has no Aggregated row; see the Locust log for why the run stopped")


def read_request_counts(stats_csv: Path) -> dict[str, int]:
    """Read the requests completed per request name from a Locust ``<prefix>_stats.csv`` file."""
    with stats_csv.open(newline="") as handle:
        return {row["Name"]: int(row["Request Count"]) for row in csv.DictReader(handle)
                if row["Name"] != "Aggregated"}


def read_failures(failures_csv: Path) -> dict[str, int]:
    """Read a Locust ``<prefix>_failures.csv`` file: error text -> occurrences (empty if no file)."""
    if not failures_csv.is_file():
        return {}
    with failures_csv.open(newline="") as handle:
        return {row["Error"]: int(row["Occurrences"]) for row in csv.DictReader(handle)}


def failure_kinds(failures: Mapping[str, int]) -> dict[str, int]:
    """Group failures by kind: "HTTP 503" for an answered status, else the error's class name."""
    kinds: dict[str, int] = {}
    for error, count in failures.items():
        status = re.search(r"HTTP (\d{3})", error)
        kind = f"HTTP {status.group(1)}" if status else error.split("(")[0]
        kinds[kind] = kinds.get(kind, 0) + count
    return kinds


def run_locust(*, host: str, payloads: Path, csv_prefix: Path, users: int, run_time_s: int,
               thresholds: Thresholds, user_classes: Sequence[str] = (), locustfile: Path = LOCUSTFILE,
               spawn_rate: float | None = None, max_think_ms: float = 0.0, reset_stats: bool = True,
               env: Mapping[str, str] | None = None) -> LocustRun:
    """Run Locust headless against `host` and return its statistics and verdict.

    Parameters
    ----------
    host : str
        Base URL of the server under load.
    payloads : Path
        Payload file written by ``python -m load_tests.make_payloads``.
    csv_prefix : Path
        Prefix of Locust's CSV files (``<prefix>_stats.csv`` and others).
    users : int
        Concurrent simulated users.
    run_time_s : int
        Duration of the run in seconds, spawning included.
    thresholds : Thresholds
        Limits the run must meet for Locust to exit with 0.
    user_classes : sequence of str, optional
        User classes of the locustfile to run; all of them (the realistic mix) when empty.
    locustfile : Path, default=LOCUSTFILE
        The locustfile.
    spawn_rate : float, optional
        Users started per second; all within about one second when omitted.
    max_think_ms : float, default=0.0
        Longest pause of a user between two requests (0 = each user sends as fast as it is answered).
    reset_stats : bool, default=True
        Forget what was measured while users were still being started.
    env : mapping of str to str, optional
        Variables added to Locust's environment.

    Returns
    -------
    LocustRun
    """
    csv_prefix.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "--only-summary",
               "--host", host, "-u", str(users), "-r", str(spawn_rate or users), "-t", f"{run_time_s}s",
               "--stop-timeout", "10", "--csv", str(csv_prefix), "--payloads", str(payloads),
               "--max-think-ms", str(max_think_ms), "--max-fail-ratio", str(thresholds.max_fail_ratio),
               "--max-p95-ms", str(thresholds.max_p95_ms), "--max-p99-ms", str(thresholds.max_p99_ms),
               "--min-rps", str(thresholds.min_rps), *(["--reset-stats"] if reset_stats else []),
               *user_classes]
    done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=run_time_s + 120, check=False)
    output = done.stdout + done.stderr
    stats_csv = Path(f"{csv_prefix}_stats.csv")
    if not stats_csv.is_file():
        raise RuntimeError(f"Locust wrote no statistics (exit code {done.returncode}):\n{output[-3000:]}")
    return LocustRun(summary=read_summary(stats_csv), requests=read_request_counts(stats_csv),
                     failures=read_failures(Path(f"{csv_prefix}_failures.csv")), exit_code=done.returncode,
                     output=output)
