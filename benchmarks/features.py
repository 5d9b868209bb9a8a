"""Benchmark of the feature builder: full builds from CSV, and the API's records path per application.

Run ``python -m benchmarks.features [--data-dir DIR] [--scales 0.1 1]``. For each scale (share
of Kaggle's 307,511 training clients) it writes the generated Kaggle-format CSVs once under
``DIR/scale-<s>`` (``python -m synthetic``), then in a fresh process reads application_train and
application_test with ``features.loaders.load_tables`` and builds their features with
``features.build.build_features_from_folder`` (which reads each history CSV while its family
computes), reporting wall time, CPU time and peak resident memory of that process beside the figures
before this builder and the goals (issue 21: half the public kernel's time and memory). It then times
``build_features_from_records`` on batches of 1, 8, 64 and 256 generated clients with their history,
and compares the cross-validated AUC of application features alone with all features on generated
clients (``--auc-clients``). Figures are printed and written to ``results/features_benchmark.md``,
beside the reference: the public "LightGBM with simple features" kernel takes about 75 s and 4.7 GB
on the full real data here.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.measure import RESULTS, measure, write_results

__all__ = ["build_from_folder", "compare_auc", "cv_auc", "ensure_data", "main",
           "time_records_path"]

KAGGLE_CLIENTS = 307_511
REFERENCE_SECONDS = 75.0
REFERENCE_PEAK_GB = 4.7
#: The full build before issue 21 (every table loaded, then built), and its goals.
BEFORE_SECONDS, BEFORE_PEAK_GB = 54.8, 3.73
GOAL_SECONDS, GOAL_PEAK_GB = 30.0, 2.4
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
        ``read_s`` (the application files), ``build_s`` (the history files and the features),
        ``total_s`` (wall), ``cpu_s`` (CPU time of the process, less sensitive than wall time to other
        work on the machine), ``peak_gb`` (peak resident memory), ``rows`` and ``features``.
    """
    from features.build import build_features_from_folder
    from features.loaders import load_tables

    start = time.perf_counter()
    tables = load_tables(folder, tables=["application_train", "application_test"], progress=False)
    applications = pd.concat([tables.pop("application_train").drop(columns="TARGET"),
                              tables.pop("application_test", None)], ignore_index=True)
    read = time.perf_counter()
    features, _ = build_features_from_folder(applications, folder, progress=False)
    done = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"read_s": read - start, "build_s": done - read, "total_s": done - start,
            "cpu_s": usage.ru_utime + usage.ru_stime, "peak_gb": usage.ru_maxrss / 2**20,
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
        Per batch size: ``batch``, ``ms_per_batch``, ``ms_per_application`` (wall),
        ``cpu_ms_per_application`` (CPU time), and the average history rows per application
        (``history_rows``).
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
        wall, cpu = [], []
        for batch in batches[1:]:
            start, start_cpu = time.perf_counter(), time.process_time()
            build_features_from_records(batch)
            wall.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        median, median_cpu = float(np.median(wall)), float(np.median(cpu))
        results.append({"batch": size, "ms_per_batch": 1000 * median,
                        "ms_per_application": 1000 * median / size,
                        "cpu_ms_per_application": 1000 * median_cpu / size,
                        "history_rows": _history_rows(batches[1:]) / (size * repeats)})
    return results


def cv_auc(features: pd.DataFrame, target: np.ndarray, columns: list[str], *, folds: int = 3,
           seed: int = 0) -> float:
    """Cross-validated AUC of a small LightGBM model on `columns` of `features`.

    Parameters
    ----------
    features : pd.DataFrame
        Model features (categoricals are used natively).
    target : np.ndarray of shape (n_rows,)
        0/1 outcomes.
    columns : list of str
        The features the model may use.
    folds : int, default=3
        Stratified folds.
    seed : int, default=0
        Seed of the folds and of the model.

    Returns
    -------
    float
        AUC of the out-of-fold predictions.
    """
    import lightgbm as lgb
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    scores = np.zeros(len(target))
    for train, valid in StratifiedKFold(folds, shuffle=True, random_state=seed).split(features, target):
        model = lgb.LGBMClassifier(n_estimators=120, learning_rate=0.08, num_leaves=15, min_child_samples=40,
                                   colsample_bytree=0.3, max_bin=63, verbose=-1, n_jobs=2, random_state=seed)
        model.fit(features.iloc[train][columns], target[train])
        scores[valid] = model.predict_proba(features.iloc[valid][columns])[:, 1]
    return float(roc_auc_score(target, scores))


def compare_auc(n_clients: int, *, seed: int = _SEED) -> dict[str, float]:
    """CV AUC of application features alone vs all features, on `n_clients` generated clients."""
    from features.application import descriptions
    from features.build import build_features
    from features.schema import HISTORY_TABLES
    from synthetic import generate_tables

    tables = generate_tables(n_clients, seed=seed)
    applications = tables["application_train"]
    features = build_features(applications, {name: tables[name] for name in HISTORY_TABLES})
    target = applications["TARGET"].to_numpy()
    return {"clients": n_clients,
            "application_only": cv_auc(features, target, list(descriptions())),
            "all_features": cv_auc(features, target, list(features.columns))}


def _history_rows(batches: list[list[dict]]) -> int:
    """Count the nested history rows of the records in `batches`."""
    count = 0
    for batch in batches:
        for record in batch:
            for value in record.values():
                if isinstance(value, list):
                    count += len(value) + sum(len(row.get("bureau_balance", [])) for row in value)
    return count


def ensure_data(data_dir: Path, scale: float) -> Path:
    """Return the folder of generated CSVs at `scale`, writing it first if absent."""
    folder = data_dir / f"scale-{scale:g}"
    if not (folder / "application_train.csv").exists():
        clients = round(KAGGLE_CLIENTS * scale)
        print(f"generating {clients} clients into {folder}", flush=True)
        subprocess.run([sys.executable, "-m", "synthetic", "--clients", str(clients),
                        "--seed", str(_SEED), "--out", str(folder)], check=True)
    return folder


def _build_in_child(folder: Path) -> dict[str, float]:
    """Run :func:`build_from_folder` in a fresh process, so its peak memory is the build's alone."""
    run = measure([sys.executable, "-m", "benchmarks.features", "--child", str(folder)], capture=True)
    return json.loads(run.stdout.strip().splitlines()[-1])


def _report(builds: dict[float, dict[str, float]], serving: list[dict[str, float]],
            auc: dict[str, float] | None) -> str:
    """Render the results as markdown, with ratios against the reference and the floors."""
    lines = ["# Feature builder benchmark", "",
             "Command: `python -m benchmarks.features` (generated Kaggle-format CSVs, 2 cores).", "",
             "## Full build (CSV reading included; application_train + application_test)", "",
             f"Machine load when the report was written (1/5/15 min): "
             f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores; wall times "
             "grow with it, CPU times much less.", "",
             "| scale | rows | features | applications read s | history read + build s | total s | CPU s "
             "| peak GB | time / reference | memory / reference |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for scale, b in builds.items():
        lines.append(f"| {scale:g} | {b['rows']:,} | {b['features']} | {b['read_s']:.1f} "
                     f"| {b['build_s']:.1f} | {b['total_s']:.1f} | {b['cpu_s']:.1f} | {b['peak_gb']:.2f} "
                     f"| {b['total_s'] / REFERENCE_SECONDS:.2f} | {b['peak_gb'] / REFERENCE_PEAK_GB:.2f} |")
    lines += ["", f"Reference: the public kernel, full real data, this machine: {REFERENCE_SECONDS:.0f} s, "
              f"{REFERENCE_PEAK_GB} GB peak, ~760 features (ratios < 1 beat it).", ""]
    if 1.0 in builds:
        full = builds[1.0]
        lines += [f"Full scale before issue 21: {BEFORE_SECONDS} s, {BEFORE_PEAK_GB} GB; goal: at most "
                  f"{GOAL_SECONDS:.0f} s and {GOAL_PEAK_GB} GB; now {full['total_s']:.1f} s "
                  f"({full['total_s'] / GOAL_SECONDS:.2f} of the goal; CPU {full['cpu_s']:.1f} s), "
                  f"{full['peak_gb']:.2f} GB ({full['peak_gb'] / GOAL_PEAK_GB:.2f} of the goal).", ""]
    lines += ["## Serving path (`build_features_from_records`)", "",
              "| batch | ms / batch | ms / application | CPU ms / application | history rows / application |",
              "|---|---|---|---|---|"]
    for s in serving:
        lines.append(f"| {s['batch']} | {s['ms_per_batch']:.1f} | {s['ms_per_application']:.2f} "
                     f"| {s['cpu_ms_per_application']:.2f} | {s['history_rows']:.0f} |")
    at_64 = next((s for s in serving if s["batch"] == 64), None)
    if at_64 is not None:
        lines += ["", f"Floor: at most {FLOOR_MS_AT_64} ms per application at batch 64; measured "
                  f"{at_64['ms_per_application']:.2f} ms wall "
                  f"({at_64['ms_per_application'] / FLOOR_MS_AT_64:.2f} of the floor), "
                  f"{at_64['cpu_ms_per_application']:.2f} ms CPU "
                  f"({at_64['cpu_ms_per_application'] / FLOOR_MS_AT_64:.2f} of the floor)."]
    if auc is not None:
        lines += ["", f"## AUC on {auc['clients']:,} generated clients (3-fold CV, small LightGBM)", "",
                  "| features | CV AUC |", "|---|---|",
                  f"| application only | {auc['application_only']:.4f} |",
                  f"| all families | {auc['all_features']:.4f} |"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Entry point: parse arguments, run the benchmark, print and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("data/benchmarks"),
                        help="where generated CSV folders are kept (outside the repository)")
    parser.add_argument("--scales", type=float, nargs="+", default=[0.1, 1.0],
                        help="shares of Kaggle's training clients to build (default 0.1 1)")
    parser.add_argument("--out", type=Path, default=RESULTS / "features_benchmark.md")
    parser.add_argument("--auc-clients", type=int, default=10_000,
                        help="generated clients for the AUC comparison (0 skips it)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        print(json.dumps(build_from_folder(args.child)))
        return
    builds = {}
    for scale in args.scales:
        folder = ensure_data(args.data_dir, scale)
        print(f"building scale {scale:g} from {folder}", flush=True)
        builds[scale] = _build_in_child(folder)
        print(json.dumps(builds[scale]), flush=True)
    print("timing the records path", flush=True)
    serving = time_records_path(ensure_data(args.data_dir, min(args.scales)))
    auc = None
    if args.auc_clients:
        print(f"comparing AUC on {args.auc_clients} generated clients", flush=True)
        auc = compare_auc(args.auc_clients)
    report = _report(builds, serving, auc)
    print(report)
    write_results(args.out, report)


if __name__ == "__main__":
    main()
