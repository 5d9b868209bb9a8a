"""``python -m benchmarks.training``: wall time, peak memory and CV AUC of the training command.

Runs ``python -m train`` as a child process once per requested size (and, with ``--compare-features``,
once more with ``--application-only``), samples the child's resident memory, and prints one line per
run plus ratios to the first run. Results are appended to ``results/train_benchmark.jsonl``. Models go to
a separate BentoML home and every run gets a fresh Optuna study, so runs never resume each other.

Examples
--------
::

    python -m benchmarks.training --clients 30000 --compare-features
    python -m benchmarks.training --clients 307511 -- --trials 10 --timeout 1800
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.measure import RESULTS, measure

__all__ = ["main", "run_training"]

_HEADLINE = re.compile(r"^cv_auc: (?P<cv_auc>[\d.]+) \(LightGBM defaults (?P<default>[\d.]+)\)", re.MULTILINE)
_SAVED = re.compile(r"^saved in: (?P<path>.+)$", re.MULTILINE)


def run_training(train_args: list[str], *, env: dict[str, str]) -> dict[str, object]:
    """Run ``python -m train`` with `train_args`; return wall seconds, peak RSS and the printed metrics.

    Raises
    ------
    RuntimeError
        If the command fails; the message ends with its last error lines.
    """
    try:
        run = measure([sys.executable, "-m", "train", "--no-progress", *train_args], env=env, capture=True)
    except subprocess.CalledProcessError as error:
        command = " ".join(train_args)
        raise RuntimeError(f"python -m train {command} failed:\n{error.stderr[-2000:]}") from None
    headline = _HEADLINE.search(run.stdout)
    bundle = json.loads((Path(_SAVED.search(run.stdout).group("path")) / "bundle.json").read_text())
    metrics = bundle["metrics"]
    return {"args": train_args, "wall_seconds": round(run.wall_seconds, 1),
            "peak_rss_mb": round(run.peak_tree_rss_mb),
            "cv_auc": float(headline["cv_auc"]), "cv_auc_default": float(headline["default"]),
            "features": metrics["features"], "trials_complete": metrics["tuning"]["trials_complete"],
            "best_iteration": metrics["best_iteration"], "model_size": metrics["model_size"],
            "explain_ms_per_row": metrics["timing"]["explain_ms_per_row"]}


def _parse(argv: list[str] | None) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.training",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[30000], help="synthetic sizes to train on")
    parser.add_argument("--compare-features", action="store_true",
                        help="also train with --application-only at each size")
    parser.add_argument("--out", type=Path, default=RESULTS / "train_benchmark.jsonl")
    parser.add_argument("--bentoml-home", type=Path, default=RESULTS / "benchmark_bentoml_home",
                        help="model store of the benchmark runs (kept apart from the real one)")
    args, rest = parser.parse_known_args(argv)
    return args, [a for a in rest if a != "--"]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; extra arguments after ``--`` go to every ``python -m train`` run."""
    args, extra = _parse(argv)
    env = {**os.environ, "BENTOML_HOME": str(args.bentoml_home.resolve()), "BENTOML_DO_NOT_TRACK": "true"}
    variants = [[]] + ([["--application-only"]] if args.compare_features else [])
    rows = []
    with tempfile.TemporaryDirectory() as studies:
        for clients in args.clients:
            for i, variant in enumerate(variants):
                study = Path(studies) / f"{clients}-{i}.sqlite3"
                train_args = ["--clients", str(clients), "--study-db", str(study),
                              "--suite-out", str(Path(studies) / "suite.json"), *variant, *extra]
                row = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "clients": clients,
                       "cpus": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 2),
                       **run_training(train_args, env=env)}
                rows.append(row)
                base = rows[0]
                print(f"{clients:>7} clients {' '.join(variant) or 'all features':>18}: "
                      f"{row['wall_seconds']:>7.1f} s ({row['wall_seconds'] / base['wall_seconds']:.2f}x)  "
                      f"peak {row['peak_rss_mb']:>6} MB ({row['peak_rss_mb'] / base['peak_rss_mb']:.2f}x)  "
                      f"CV AUC {row['cv_auc']:.4f} (defaults {row['cv_auc_default']:.4f})  "
                      f"{row['features']} features, {row['trials_complete']} trials", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("a", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row) + "\n")
    print(f"appended {len(rows)} runs to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
