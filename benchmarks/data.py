"""Benchmark the synthetic data generator and the loader at fractions of the Kaggle scale.

For each scale, runs ``python -m synthetic`` and then `features.loaders.load_tables` on its
output, each in a child process, and measures wall time, CPU time (user + system of the child and its
workers: robust to other load on a shared machine) and peak memory (the largest sum of resident
memory over the child's process tree and the largest single process, sampled every 50 ms).
Prints a table and writes it to ``results/data_benchmark.md``.

Command line::

    python -m benchmarks.data                 # 10% and 100% of Kaggle scale
    python -m benchmarks.data --scales 0.01   # a quick run
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import psutil

from benchmarks.measure import RESULTS, Measurement, measure, write_results
from synthetic import calibration as cal

__all__ = ["main"]

_LOAD_SCRIPT = ("import sys; from features.loaders import load_tables; "
                "load_tables(sys.argv[1], progress=False)")


def _folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.glob("*.csv")) / 1e6


def _row(scale: float, step: str, m: Measurement, size_mb: float) -> str:
    return (f"| {scale:.0%} | {step} | {m.wall_seconds:.1f} | {m.cpu_seconds:.1f} "
            f"| {m.peak_tree_rss_mb:,.0f} | {m.peak_process_rss_mb:,.0f} | {size_mb:,.0f} "
            f"| {size_mb / m.wall_seconds:,.0f} |")


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``python -m benchmarks.data``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="0.1,1.0",
                        help="comma-separated fractions of the Kaggle scale (default 0.1,1.0)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2, help="generator worker processes (default 2)")
    parser.add_argument("--work-dir", type=Path, default=None,
                        help="where to write the generated files (default: a temporary folder, removed)")
    parser.add_argument("--out", type=Path, default=RESULTS / "data_benchmark.md")
    args = parser.parse_args(argv)
    try:
        scales = [float(s) for s in args.scales.split(",")]
    except ValueError:
        parser.error(f"--scales must be comma-separated numbers such as 0.1,1.0, got {args.scales!r}")
    if not scales or min(scales) <= 0:
        parser.error(f"--scales must be positive fractions of the Kaggle scale, got {args.scales!r}")
    lines = [
        "# Synthetic data benchmark", "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {psutil.cpu_count()} CPUs, load average "
        f"{psutil.getloadavg()[0]:.1f} at start; generator workers: {args.workers}; seed {args.seed}.",
        "CPU = user + system seconds of the child and its workers; peak tree RSS = largest sampled sum "
        "over the process tree; peak process RSS = largest single process (sampled every 50 ms).", "",
        "| scale | step | wall s | CPU s | peak tree RSS MB | peak process RSS MB | CSV MB | MB/s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    print("\n".join(lines), flush=True)
    work_root = args.work_dir or Path(tempfile.mkdtemp(prefix="synthetic_benchmark_"))
    try:
        for scale in scales:
            folder = work_root / f"scale_{scale:g}"
            clients = max(1, round(scale * cal.KAGGLE_TRAIN_CLIENTS))
            generated = measure([sys.executable, "-m", "synthetic", "--clients", str(clients),
                                 "--seed", str(args.seed), "--out", str(folder),
                                 "--workers", str(args.workers)])
            size = _folder_mb(folder)
            loaded = measure([sys.executable, "-c", _LOAD_SCRIPT, str(folder)])
            for step, m in (("generate", generated), ("load", loaded)):
                lines.append(_row(scale, step, m, size))
                print(lines[-1], flush=True)
            wall_ratio = loaded.wall_seconds / generated.wall_seconds
            cpu_ratio = loaded.cpu_seconds / generated.cpu_seconds
            lines.append(f"| {scale:.0%} | load / generate | {wall_ratio:.2f}x | {cpu_ratio:.2f}x | | | | |")
            print(lines[-1], flush=True)
            if args.work_dir is None:
                shutil.rmtree(folder)
    finally:
        if args.work_dir is None:
            shutil.rmtree(work_root, ignore_errors=True)
    write_results(args.out, "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
