"""One way for every benchmark to time work, measure peak memory and write its results.

A child process is measured from outside (`measure`): wall time, CPU time of the child and its
workers (less sensitive than wall time to other work on a shared machine), and peak resident memory,
sampled over the whole process tree every 50 ms. Work in this process is timed with `elapsed_ms`.
Results go under ``results/`` (ignored by git) with `write_results`.
"""

from __future__ import annotations

import resource
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

__all__ = ["RESULTS", "Measurement", "elapsed_ms", "measure", "tree_rss", "write_results"]

#: Where benchmarks write their results by default (kept out of git by .gitignore).
RESULTS = Path("results")
_SAMPLE_SECONDS = 0.05


@dataclass(frozen=True)
class Measurement:
    """Cost of one child process run, and what it printed when captured."""

    wall_seconds: float
    cpu_seconds: float
    peak_tree_rss_mb: float
    peak_process_rss_mb: float
    stdout: str = ""


def measure(command: Sequence[str], *, env: Mapping[str, str] | None = None,
            capture: bool = False) -> Measurement:
    """Run `command` as a child process and measure its wall time, CPU time and peak memory.

    Parameters
    ----------
    command : sequence of str
        The program and its arguments.
    env : mapping, optional
        The child's environment (default: this process's).
    capture : bool, default=False
        Keep the child's standard output (in ``Measurement.stdout``) and error (in the exception).

    Returns
    -------
    Measurement

    Raises
    ------
    subprocess.CalledProcessError
        If the command fails; ``stderr`` holds its error output when captured.
    """
    pipe = subprocess.PIPE if capture else None
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    child = subprocess.Popen(list(command), env=None if env is None else dict(env), stdout=pipe, stderr=pipe,
                             text=True)
    process = psutil.Process(child.pid)
    peak_tree = peak_process = 0
    # communicate() with a timeout drains the pipes while sampling (a retry loses no output), so a
    # child that prints more than a pipe holds never blocks.
    stdout, stderr = "", ""
    while True:
        sizes = tree_rss(process)
        peak_tree, peak_process = max(peak_tree, sum(sizes)), max(peak_process, *sizes, 0)
        try:
            out, err = child.communicate(timeout=_SAMPLE_SECONDS)
        except subprocess.TimeoutExpired:
            continue
        stdout, stderr = out or "", err or ""
        break
    wall = time.perf_counter() - start
    if child.returncode:
        raise subprocess.CalledProcessError(child.returncode, list(command), stdout, stderr)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Measurement(wall, cpu, peak_tree / 2**20, peak_process / 2**20, stdout)


def tree_rss(process: psutil.Process) -> list[int]:
    """Resident memory of a process and each of its descendants, in bytes (empty once it has gone)."""
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []
    sizes = []
    for member in members:
        try:
            sizes.append(member.memory_info().rss)
        except psutil.NoSuchProcess:
            continue
    return sizes


def elapsed_ms(call: Callable[[], object]) -> float:
    """Return the wall time of ``call()`` in milliseconds."""
    start = time.perf_counter()
    call()
    return 1000 * (time.perf_counter() - start)


def write_results(path: Path, text: str) -> Path:
    """Write a benchmark's results to `path` (its folder made if needed), say where, and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"written to {path}")
    return path
