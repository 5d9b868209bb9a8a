"""``python -m train``: tune, calibrate, evaluate and save a credit-scoring model to the BentoML store.

Examples
--------
Demo model on generated data::

    python -m train --clients 20000 --trials 8 --timeout 60

Real Kaggle folder (application_train.csv and any history CSVs)::

    python -m train --data-dir data/home-credit --trials 50 --timeout 3600

Several machines on one study (run the same command on each; a password goes in PGPASSWORD)::

    python -m train --data-dir data/home-credit --trials 200 \
        --storage postgresql+psycopg://optuna@db-host/optuna --study-name home-credit-v1
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from train.openmp import sleep_idle_threads

if TYPE_CHECKING:
    from train.data import TrainingData

__all__ = ["main", "parse_args"]


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, got {text}")
    return value


def _at_least_two(text: str) -> int:
    value = int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be at least 2, got {text}")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be a number >= 0, got {text}")
    return value


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be a fraction in (0, 1] (e.g. 0.1 for a tenth of the "
                                         f"applications), got {text}")
    return value


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (the option and the problem) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see python -m train --help)\n")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    from train.study import DEFAULT_STORAGE

    parser = _Parser(prog="python -m train", description=__doc__.splitlines()[0],
                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    data = parser.add_argument_group("data")
    data.add_argument("--data-dir", type=Path,
                      help="Kaggle-format CSV folder; default: generate synthetic data")
    data.add_argument("--clients", type=_positive_int, default=20000,
                      help="synthetic applications to generate")
    data.add_argument("--application-only", action="store_true", help="ignore the history tables")
    tuning = parser.add_argument_group("tuning")
    tuning.add_argument("--trials", type=_positive_int, default=30,
                        help="finished Optuna trials the study should hold, counting earlier runs and "
                             "other processes on the same study")
    tuning.add_argument("--timeout", type=_non_negative_float, default=3600,
                        help="seconds of tuning in this run (checked between trials); 0 means no limit")
    tuning.add_argument("--folds", type=_at_least_two, default=5, help="stratified CV folds")
    tuning.add_argument("--seed", type=int, default=42, help="seed of data, folds, sampler and LightGBM")
    tuning.add_argument("--tune-sample", type=_fraction, default=1.0, metavar="FRACTION",
                        help="cross-validate the trials on this stratified share of the applications, then "
                             "the best parameters on all of them")
    where = tuning.add_mutually_exclusive_group()
    where.add_argument("--storage", default=DEFAULT_STORAGE, metavar="URL",
                       help="Optuna storage shared by every process of the study: sqlite:///FILE (one "
                            "machine) or postgresql+psycopg://USER@HOST/DB (several); optuna-dashboard URL "
                            "shows it")
    where.add_argument("--study-db", type=Path, metavar="FILE", help="shorthand for --storage sqlite:///FILE")
    tuning.add_argument("--study-name",
                        help="Optuna study name; default: model name + fingerprint of the data and folds")
    tuning.add_argument("--threads", type=_positive_int, default=os.cpu_count() or 1, help="LightGBM threads")
    decision = parser.add_argument_group("decision")
    decision.add_argument("--cost-fn", type=_non_negative_float, default=10.0,
                          help="cost of accepting a client who defaults (false negative)")
    decision.add_argument("--cost-fp", type=_non_negative_float, default=1.0,
                          help="cost of refusing a client who would repay (false positive)")
    output = parser.add_argument_group("output")
    output.add_argument("--name", default="credit_scoring", help="BentoML model name")
    output.add_argument("--suite-out", type=Path,
                        help="also write the Great Expectations suite to this file (the service reads the "
                             "one inside the model); default: not written")
    output.add_argument("--no-progress", action="store_true", help="hide progress bars")
    args = parser.parse_args(argv)
    if args.study_db is not None:
        args.storage = f"sqlite:///{args.study_db}"
    return args


def _print_summary(tag: str, path: Path, suite_path: Path | None, metrics: dict, seconds: float) -> None:
    costs, tuning = metrics["cost_per_1000"], metrics["tuning"]
    print(f"model: {tag}")
    print(f"saved in: {path}")
    print(f"report: {path / 'report.html'}  suite: {suite_path or 'in the model only'}")
    print(f"cv_auc: {metrics['cv_auc']:.4f} (LightGBM defaults {metrics['cv_auc_default']:.4f})  "
          f"brier: {metrics['brier']:.5f}")
    print(f"threshold: {metrics['threshold']:.4f}  cost per 1,000: {costs['optimal']:.1f} "
          f"(0.5: {costs['threshold_0_5']:.1f}, accept all: {costs['accept_all']:.1f}, "
          f"refuse all: {costs['refuse_all']:.1f})  approval rate: {metrics['approval_rate']:.3f}")
    print(f"study: {tuning['study_name']} in {tuning['storage']}: {tuning['trials_complete']} trials "
          f"complete, {tuning['trials_pruned']} pruned; best trial {tuning['best_trial']} "
          f"({tuning['best_trial_worker']}), CV AUC {tuning['best_trial_auc']:.4f}")
    sample = tuning["sample"]
    if sample:
        print(f"tuning on a {sample['fraction']:g} sample ({sample['rows']:,} applications): best CV AUC "
              f"{sample['best_cv_auc']:.4f} in {sample['tuning_seconds']:.0f} s; the same parameters on all "
              f"{sample['all_rows']:,}: CV AUC {sample['all_rows_cv_auc']:.4f} "
              f"in {sample['all_rows_seconds']:.0f} s")
    print(f"wall time: {seconds:.1f} s")


def _training_data(args: argparse.Namespace, *, progress: bool) -> TrainingData:
    from train.data import folder_data, synthetic_data

    data = (folder_data(args.data_dir, progress=progress) if args.data_dir
            else synthetic_data(args.clients, seed=args.seed))
    return data.application_only() if args.application_only else data


def main(argv: list[str] | None = None) -> int:
    """Run the training command; return the exit status (2 when the data or an option is unusable)."""
    args = parse_args(argv)
    os.environ.setdefault("BENTOML_DO_NOT_TRACK", "true")
    sleep_idle_threads()
    from train.study import open_storage
    from train.threshold import CostMatrix

    started = time.perf_counter()
    progress = not args.no_progress
    try:
        costs = CostMatrix(false_negative=args.cost_fn, false_positive=args.cost_fp)
        open_storage(args.storage)  # an unreachable storage fails now, not after the features are built
        data = _training_data(args, progress=progress)
        # Imported only now: GX and BentoML take seconds, and a wrong folder should fail at once.
        from expectations import save_suite
        from train.bundle import save_to_store
        from train.pipeline import TrainingConfig, train

        config = TrainingConfig(n_trials=args.trials, timeout=args.timeout or None, n_folds=args.folds,
                                seed=args.seed, costs=costs, model_name=args.name, num_threads=args.threads,
                                storage=args.storage, study_name=args.study_name,
                                tune_sample=args.tune_sample, progress=progress)
        result = train(data, config)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    tag, path = save_to_store(result.contents, name=args.name, labels=result.labels, metadata=result.metadata)
    suite_path = save_suite(result.contents.suite, args.suite_out) if args.suite_out else None
    _print_summary(tag, path, suite_path, result.contents.metrics, time.perf_counter() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
