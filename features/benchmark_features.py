"""Benchmark of the feature builder: full builds from CSV, and the API's records path per application.

Run ``python -m features.benchmark_features [--data-dir DIR] [--scales 0.1 1]``. For each scale (share
of Kaggle's 307,511 training clients) it writes the generated Kaggle-format CSVs once under
``DIR/scale-<s>`` (``python -m features.synthetic``), then in a fresh process reads them with
``features.loaders.load_tables`` and builds the features of application_train + application_test,
reporting wall time and peak resident memory of that process. It then times
``build_features_from_records`` on batches of 1, 8, 64 and 256 generated clients with their history.
Figures are printed and written to ``results/features_benchmark.md``, beside the reference: the public
"LightGBM with simple features" kernel takes about 75 s and 4.7 GB on the full real data here.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["build_from_folder", "main", "time_records_path"]

KAGGLE_CLIENTS = 307_511
REFERENCE_SECONDS = 75.0
REFERENCE_PEAK_GB = 4.7
BATCH_SIZES = (1, 8, 64, 256)
#: Serving-path floor: cost per application at batch 64.
FLOOR_MS_AT_64 = 3.0
_SEED = 1


def build_from_folder(folder: Path) -> dict[str, float]:
    """Read a Kaggle-format folder and build the features of every application; return the timings.

    Parameters
    ----------
    folder : Path
        Folder with the Kaggle CSV files.

    Returns
    -------
    dict of str to float
        ``read_s``, ``build_s``, ``total_s``, ``peak_gb`` (this process's peak resident memory),
        ``rows`` and ``features``.
    """
    from features.build import build_features
    from features.loaders import load_tables

    start = time.perf_counter()
    tables = load_tables(folder, progress=False)
    read = time.perf_counter()
    applications = pd.concat([tables.pop("application_train").drop(columns="TARGET"),
                              tables.pop("application_test", None)], ignore_index=True)
    features = build_features(applications, tables)
    done = time.perf_counter()
    return {"read_s": read - start, "build_s": done - read, "total_s": done - start,
            "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
            "rows": len(features), "features": features.shape[1]}


def time_records_path(folder: Path, *, batch_sizes: tuple[int, ...] = BATCH_SIZES,
                      repeats: int = 7) -> list[dict[str, float]]:
    """Time ``build_features_from_records`` on batches of random clients of `folder`.

    Parameters
    ----------
    folder : Path
        Kaggle-format folder the clients and their history are drawn from.
    batch_sizes : tuple of int
        Batch sizes to time.
    repeats : int, default=7
        Timed calls per batch size (a fresh batch of clients each); the median is reported.

    Returns
    -------
    list of dict
        Per batch size: ``batch``, ``ms_per_batch``, ``ms_per_application``, and the average history
        rows per application (``history_rows``).
    """
    from features.build import build_features_from_records
    from features.loaders import load_tables
    from features.records import tables_to_records

    tables = load_tables(folder, progress=False)
    applications = tables.pop("application_train")
    rng = np.random.default_rng(_SEED)
    results = []
    for size in batch_sizes:
        batches = [tables_to_records(applications.iloc[rng.choice(len(applications), size, replace=False)],
                                     tables) for _ in range(repeats + 1)]
        build_features_from_records(batches[0])  # warm caches and imports
        seconds = []
        for batch in batches[1:]:
            start = time.perf_counter()
            build_features_from_records(batch)
            seconds.append(time.perf_counter() - start)
        median = float(np.median(seconds))
        results.append({"batch": size, "ms_per_batch": 1000 * median,
                        "ms_per_application": 1000 * median / size,
                        "history_rows": _history_rows(batches[1:]) / (size * repeats)})
    return results


def _history_rows(batches: list[list[dict]]) -> int:
    """Count the nested history rows of the records in `batches`."""
    count = 0
    for batch in batches:
        for record in batch:
            for value in record.values():
                if isinstance(value, list):
                    count += len(value) + sum(len(row.get("bureau_balance", [])) for row in value)
    return count


def _ensure_data(data_dir: Path, scale: float) -> Path:
    """Return the folder of generated CSVs at `scale`, writing it first if absent."""
    folder = data_dir / f"scale-{scale:g}"
    if not (folder / "application_train.csv").exists():
        clients = round(KAGGLE_CLIENTS * scale)
        print(f"generating {clients} clients into {folder}", flush=True)
        subprocess.run([sys.executable, "-m", "features.synthetic", "--clients", str(clients),
                        "--seed", str(_SEED), "--out", str(folder)], check=True)
    return folder


def _build_in_child(folder: Path) -> dict[str, float]:
    """Run :func:`build_from_folder` in a fresh process, so its peak memory is the build's alone."""
    out = subprocess.run([sys.executable, "-m", "features.benchmark_features", "--child", str(folder)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _report(builds: dict[float, dict[str, float]], serving: list[dict[str, float]]) -> str:
    """Render the results as markdown, with ratios against the reference and the floors."""
    lines = ["# Feature builder benchmark", "",
             "Command: `python -m features.benchmark_features` (generated Kaggle-format CSVs, 2 cores).", "",
             "## Full build (CSV reading included; application_train + application_test)", "",
             "| scale | rows | features | read s | build s | total s | peak GB | time / reference | "
             "memory / reference |", "|---|---|---|---|---|---|---|---|---|"]
    for scale, b in builds.items():
        lines.append(f"| {scale:g} | {b['rows']:,} | {b['features']} | {b['read_s']:.1f} "
                     f"| {b['build_s']:.1f} | {b['total_s']:.1f} | {b['peak_gb']:.2f} "
                     f"| {b['total_s'] / REFERENCE_SECONDS:.2f} | {b['peak_gb'] / REFERENCE_PEAK_GB:.2f} |")
    lines += ["", f"Reference: the public kernel, full real data, this machine: {REFERENCE_SECONDS:.0f} s, "
              f"{REFERENCE_PEAK_GB} GB peak, ~760 features (ratios < 1 beat it).", "",
              "## Serving path (`build_features_from_records`)", "",
              "| batch | ms / batch | ms / application | history rows / application |", "|---|---|---|---|"]
    for s in serving:
        lines.append(f"| {s['batch']} | {s['ms_per_batch']:.1f} | {s['ms_per_application']:.2f} "
                     f"| {s['history_rows']:.0f} |")
    at_64 = next((s["ms_per_application"] for s in serving if s["batch"] == 64), None)
    if at_64 is not None:
        lines += ["", f"Floor: at most {FLOOR_MS_AT_64} ms per application at batch 64; measured "
                  f"{at_64:.2f} ms ({at_64 / FLOOR_MS_AT_64:.2f} of the floor)."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Entry point: parse arguments, run the benchmark, print and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("/work/bigdata/features-benchmark"),
                        help="where generated CSV folders are kept (outside the repository)")
    parser.add_argument("--scales", type=float, nargs="+", default=[0.1, 1.0],
                        help="shares of Kaggle's training clients to build (default 0.1 1)")
    parser.add_argument("--out", type=Path, default=Path("results/features_benchmark.md"))
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        print(json.dumps(build_from_folder(args.child)))
        return
    builds = {}
    for scale in args.scales:
        folder = _ensure_data(args.data_dir, scale)
        print(f"building scale {scale:g} from {folder}", flush=True)
        builds[scale] = _build_in_child(folder)
        print(json.dumps(builds[scale]), flush=True)
    print("timing the records path", flush=True)
    serving = time_records_path(_ensure_data(args.data_dir, min(args.scales)))
    report = _report(builds, serving)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)
    print(report)
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
