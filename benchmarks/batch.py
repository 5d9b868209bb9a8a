"""``python -m benchmarks.batch``: portfolio scoring at Kaggle scale, in process and on Dask, and its limit.

For each application table of a Kaggle-scale generated folder (application_test: about 48,700
applications whose history sits among 356,000 clients' rows; application_train: 307,511), three
figures side by side:

- the limit: the scorer alone (request checks, expectations, features, model) on partitions already
  in memory, timed in a child process after it has read the folder (``batch.local``);
- ``python -m batch`` in process, measured from outside: wall and CPU time, peak memory;
- ``python -m batch --workers 2``, a local Dask cluster of two worker processes: the same, with the
  driver's and each worker's peak memory as the command reports them.

Applications per second count everything from the command's start (imports, reading the 2.7 GB of
CSV, writing). The floors of issue 20 are checked at the end: 2,000 applications/s in process, the
driver's peak at most 1 GiB with Dask. Results go to ``results/batch_benchmark.md``::

    python -m benchmarks.batch --data-dir data/full        # generates the folder first if it is empty
    python -m benchmarks.batch --data-dir data/full --tables application_test     # a quicker look

The model comes from the BentoML store (``BENTOML_HOME``; ``--model``, default credit_scoring:latest).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.measure import RESULTS, Measurement, measure, write_results

__all__ = ["main"]

KAGGLE_CLIENTS = 307_511
TABLES = ("application_test", "application_train")
#: Issue 20's floors.
FLOOR_IN_PROCESS = 2000.0
FLOOR_DRIVER_MB = 1024.0
_SEED = 1
_WORKERS = 2


@dataclass(frozen=True)
class _Row:
    table: str
    mode: str
    applications: int
    wall_s: float
    cpu_s: float
    peaks: str
    driver_mb: float

    @property
    def rate(self) -> float:
        return self.applications / self.wall_s


def _limit(folder: Path, table: str, model: str) -> dict[str, float]:
    """In this process: read the folder (not timed), then score its partitions; the scorer's cost."""
    import resource

    import bentoml

    from batch.folder import find_portfolio
    from batch.local import client_partitions, read_portfolio
    from batch.partition import score_partition
    from serving.scoring import Scorer
    from train.bundle import ModelBundle

    scorer = Scorer(ModelBundle.load(bentoml.models.get(model).path, num_threads=os.cpu_count() or 1))
    applications, history = read_portfolio(find_portfolio(folder, scored=table), progress=False)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    started, cpu = time.perf_counter(), usage.ru_utime + usage.ru_stime
    for part, rows in client_partitions(applications, history):
        score_partition(scorer, part, rows)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"applications": len(applications), "seconds": time.perf_counter() - started,
            "cpu": usage.ru_utime + usage.ru_stime - cpu}


def _summary_numbers(stdout: str) -> tuple[int, float, str]:
    """Applications, the driver's peak (MiB) and the workers' peaks as printed by ``python -m batch``."""
    applications = int(re.search(r"scored [\d,]+ of ([\d,]+) applications", stdout).group(1).replace(",", ""))
    peaks = re.search(r"peak memory \(MiB\): driver ([\d,]+)(?:; workers (.+))?", stdout)
    return applications, float(peaks.group(1).replace(",", "")), peaks.group(2) or ""


def _command_row(table: str, mode: str, command: list[str]) -> _Row:
    result: Measurement = measure(command, capture=True)
    applications, driver, workers = _summary_numbers(result.stdout)
    peaks = f"driver {driver:,.0f}" + (f"; workers {workers}" if workers else "")
    return _Row(table, mode, applications, result.wall_seconds, result.cpu_seconds, peaks, driver)


def _rows(folder: Path, table: str, model: str, work: Path) -> list[_Row]:
    child = measure([sys.executable, "-m", "benchmarks.batch", "--limit-child", str(folder), table, model],
                    capture=True)
    limit = json.loads(child.stdout.strip().splitlines()[-1])
    rows = [_Row(table, "limit: scorer on partitions in memory", int(limit["applications"]), limit["seconds"],
                 limit["cpu"], f"process {child.peak_process_rss_mb:,.0f} (tables held)", float("nan"))]
    base = [sys.executable, "-m", "batch", "--data-dir", str(folder), "--table", table, "--model", model,
            "--no-progress"]
    rows.append(_command_row(table, "python -m batch (in process)",
                             [*base, "--out", str(work / f"{table}.parquet")]))
    rows.append(_command_row(table, f"python -m batch --workers {_WORKERS} (Dask)",
                             [*base, "--out", str(work / f"{table}-dask.parquet"),
                              "--workers", str(_WORKERS)]))
    return rows


def _report(rows: list[_Row], *, folder: Path, loads: tuple[tuple[float, ...], tuple[float, ...]]) -> str:
    lines = [
        "# Portfolio scoring benchmark", "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, load average "
        f"{' / '.join(f'{x:.1f}' for x in loads[0])} at start, {' / '.join(f'{x:.1f}' for x in loads[1])} "
        f"at the end (the machine is shared: wall times and rates fall with the load, CPU seconds less so). "
        f"Folder: {folder}.", "",
        "Rates count everything from the command's start (imports, reading the CSV files, writing); the "
        "limit counts the scorer alone. CPU = user + system seconds of the process and its children.", "",
        "| table | run | applications | wall s | applications/s | CPU s | ratio to the limit "
        "| peak RSS MiB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    limits = {row.table: row.rate for row in rows if row.mode.startswith("limit")}
    lines += [f"| {r.table} | {r.mode} | {r.applications:,} | {r.wall_s:.1f} | {r.rate:,.0f} | {r.cpu_s:.1f} "
              f"| {r.rate / limits[r.table]:.2f} | {r.peaks} |" for r in rows]
    lines += ["", "Floors (issue 20):"]
    for row in rows:
        if "in process" in row.mode:
            verdict = "met" if row.rate >= FLOOR_IN_PROCESS else "NOT met"
            lines.append(f"- {row.table}, in process: {row.rate:,.0f} applications/s against "
                         f"{FLOOR_IN_PROCESS:,.0f}: {verdict}")
        elif "Dask" in row.mode:
            verdict = "met" if row.driver_mb <= FLOOR_DRIVER_MB else "NOT met"
            lines.append(f"- {row.table}, Dask driver peak: {row.driver_mb:,.0f} MiB against "
                         f"{FLOOR_DRIVER_MB:,.0f}: {verdict}")
    return "\n".join(lines) + "\n"


def _ensure_data(folder: Path) -> None:
    if (folder / "application_train.csv").is_file():
        return
    print(f"generating {KAGGLE_CLIENTS:,} clients into {folder} (about 2.7 GB)", flush=True)
    measure([sys.executable, "-m", "synthetic", "--clients", str(KAGGLE_CLIENTS), "--seed", str(_SEED),
             "--out", str(folder)])


def main(argv: list[str] | None = None) -> None:
    """Entry point: parse arguments, run the benchmark, print and write the report."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.batch", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("data/full"),
                        help="Kaggle-scale folder; generated (seed 1) when it holds no application_train.csv")
    parser.add_argument("--tables", nargs="+", choices=TABLES, default=list(TABLES))
    parser.add_argument("--model", default="credit_scoring:latest")
    parser.add_argument("--out", type=Path, default=RESULTS / "batch_benchmark.md")
    parser.add_argument("--limit-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.limit_child:
        folder, table, model = args.limit_child
        print(json.dumps(_limit(Path(folder), table, model)))
        return
    _ensure_data(args.data_dir)
    start_load = os.getloadavg()
    rows: list[_Row] = []
    with tempfile.TemporaryDirectory(prefix="batch_benchmark_") as work:
        for table in args.tables:
            print(f"scoring {table}", flush=True)
            rows += _rows(args.data_dir, table, args.model, Path(work))
            for row in rows[-3:]:
                print(f"  {row.mode}: {row.applications:,} in {row.wall_s:.1f} s = {row.rate:,.0f}/s, "
                      f"CPU {row.cpu_s:.1f} s, {row.peaks}", flush=True)
    report = _report(rows, folder=args.data_dir, loads=(start_load, os.getloadavg()))
    print(report)
    write_results(args.out, report)


if __name__ == "__main__":
    main()
