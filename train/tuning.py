"""Cross-validated LightGBM and its Optuna tuning, on one binned Dataset shared by every fold and trial.

What is optimised: the mean ROC AUC over stratified K folds of the training applications (or of a
stratified sample of them, ``--tune-sample``). The features are binned once into a LightGBM
``Dataset`` whose raw values are freed (:func:`bin_features`); each fold trains on a row subset of it,
which copies bins and never bins again. Folds train one after another with early stopping each; the
first fold reports its running AUC, and the median rule prunes a trial whose first fold trails the
finished trials' first folds. The out-of-fold margins come from LightGBM's own validation scores at
each fold's best round, so no fold re-reads raw features.

The study lives in an Optuna RDB storage (``train.study``), so any number of processes, on one machine
or several, add trials to it. Each trial draws its parameters with a seed of its own (the base seed
plus its number), so processes never draw the same values.

The search space is bounded (at most 64 leaves, depth at most 8) because explanations are the
expensive endpoint: exact TreeSHAP costs trees x leaves x depth^2 per row.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import lightgbm as lgb
import numpy as np
import optuna
from sklearn.model_selection import StratifiedKFold, train_test_split
from tqdm.auto import tqdm

from train.matrix import FeatureMatrix

__all__ = [
    "FIXED_PARAMS",
    "CVResult",
    "CVTask",
    "TuningResult",
    "bin_features",
    "cross_validate",
    "fit_booster",
    "fold_datasets",
    "make_folds",
    "make_task",
    "run_params",
    "stratified_sample",
    "suggest_params",
    "tune",
]

#: Settings that every model shares; tuned values are added to these.
FIXED_PARAMS: dict[str, object] = {
    "objective": "binary",
    "metric": "auc",
    "boosting_type": "gbdt",
    "bagging_freq": 1,
    # 63 bins instead of 255: with ~800 features, split finding over the bins dominates each round on
    # small data; measured about twice as fast at 3,000 rows.
    "max_bin": 63,
    # deterministic needs a fixed histogram layout: run_params picks it from the parameters.
    "deterministic": True,
    "verbosity": -1,
}
#: How the features are binned: every trial's parameters must agree with these, and leaf-size
#: parameters may vary because no feature is pre-filtered on them.
_DATASET_PARAMS: dict[str, object] = {"max_bin": FIXED_PARAMS["max_bin"], "feature_pre_filter": False,
                                      "verbosity": -1}
#: LightGBM's default number of boosting rounds: the untuned baseline that tuning must beat.
DEFAULT_ROUNDS = 100
MAX_ROUNDS = 2000
EARLY_STOPPING_ROUNDS = 50
#: Boosting rounds of the first fold between two reports to the pruner.
_PRUNE_EVERY = 10
_FINISHED = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
_SMALLEST, _EPSILON = np.finfo(np.float64).tiny, np.finfo(np.float64).epsneg


def bin_features(features: FeatureMatrix, target: np.ndarray, *, num_threads: int, seed: int) -> lgb.Dataset:
    """Bin the features once into a LightGBM Dataset that holds no raw values.

    Parameters
    ----------
    features : FeatureMatrix
        Model features (``FeatureMatrix.from_frame``): LightGBM bins the matrix as it is, no copy.
    target : np.ndarray of int8
        1 = defaulted, one per row.
    num_threads : int
        LightGBM threads.
    seed : int
        The trials' seed (LightGBM derives its binning sample's seed from it: the two must agree).

    Returns
    -------
    lgb.Dataset
        Constructed, its raw data freed: a parameter that would need binning again raises instead of
        binning again. A booster trained on it reads frames with categoricals as one trained on the
        frame would (it records the category levels, as LightGBM's frame conversion does).
    """
    dataset = lgb.Dataset(features.values, label=target, feature_name=[str(c) for c in features.columns],
                          categorical_feature=features.categorical, free_raw_data=True,
                          params={**_DATASET_PARAMS, "num_threads": num_threads, "seed": seed})
    # Written into every booster trained on this dataset (model.txt's pandas_categorical line).
    dataset.pandas_categorical = features.category_levels
    return dataset.construct()


@dataclass(frozen=True)
class CVTask:
    """The data every cross-validation run shares, built once.

    Parameters
    ----------
    dataset : lgb.Dataset
        Every training application, binned (:func:`bin_features`).
    target : np.ndarray of int8, shape (n,)
        1 = defaulted, for every row of `dataset`.
    folds : list of (train_index, valid_index)
        Row positions in `dataset` of each fold (:func:`make_task`); they may cover a sample only.
    num_threads : int
        LightGBM threads.
    seed : int
        Seed of LightGBM's bagging and feature sampling.
    """

    dataset: lgb.Dataset
    target: np.ndarray
    folds: list[tuple[np.ndarray, np.ndarray]]
    num_threads: int
    seed: int

    @property
    def rows(self) -> np.ndarray:
        """np.ndarray of int: the rows the folds cover (all rows, or a sample), in order."""
        return np.sort(np.concatenate([valid for _, valid in self.folds]))

    @property
    def fold_of_row(self) -> np.ndarray:
        """np.ndarray of int16, shape (n,): the fold in which each row is held out (-1 if none)."""
        fold = np.full(len(self.target), -1, dtype=np.int16)
        for k, (_, valid) in enumerate(self.folds):
            fold[valid] = k
        return fold

    def weights(self, positive_weight: float | None) -> np.ndarray | None:
        """Weight of every row (defaults weighted by `positive_weight`), or None for unweighted."""
        if positive_weight is None:
            return None
        return np.where(self.target == 1, positive_weight, 1.0).astype(np.float32)


def make_folds(target: np.ndarray, *, n_folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return stratified, shuffled folds as (train_index, valid_index) position arrays.

    Raises
    ------
    ValueError
        If `n_folds` < 2 or a class has fewer rows than folds.
    """
    if n_folds < 2:
        raise ValueError(f"n_folds must be at least 2, got {n_folds}; cross-validation needs two folds")
    smallest = int(np.bincount(target, minlength=2).min())
    if smallest < n_folds:
        raise ValueError(f"{n_folds} folds need at least {n_folds} rows of each outcome, the smaller "
                         f"class has {smallest}; use fewer folds or more data")
    splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(target)), target))


def stratified_sample(target: np.ndarray, *, fraction: float, seed: int) -> np.ndarray:
    """Return the sorted positions of a stratified sample of `fraction` of the rows (all when 1).

    Raises
    ------
    ValueError
        If `fraction` is not in (0, 1].
    """
    if not 0 < fraction <= 1:
        raise ValueError(f"--tune-sample must be a fraction in (0, 1], got {fraction}")
    if fraction == 1:
        return np.arange(len(target))
    kept, _ = train_test_split(np.arange(len(target)), train_size=fraction, stratify=target,
                               random_state=seed)
    return np.sort(kept)


def make_task(dataset: lgb.Dataset, target: np.ndarray, *, n_folds: int, seed: int, num_threads: int,
              rows: np.ndarray | None = None) -> CVTask:
    """Return the cross-validation task on `rows` of `dataset` (default all): stratified folds of them.

    Raises
    ------
    ValueError
        As :func:`make_folds`, for the rows' outcomes.
    """
    rows = np.arange(len(target)) if rows is None else rows
    folds = [(rows[train], rows[valid]) for train, valid in make_folds(target[rows], n_folds=n_folds,
                                                                          seed=seed)]
    return CVTask(dataset, target, folds, num_threads, seed)


def suggest_params(trial: optuna.Trial, *, training_rows: int) -> dict[str, object]:
    """Return one point of the search space, in LightGBM's own parameter names.

    Parameters
    ----------
    trial : optuna.Trial
        The trial that samples the values.
    training_rows : int
        Rows a fold trains on: a leaf may need at most a twentieth of them (and never more than 300),
        so that small data sets can still grow trees.
    """
    largest_leaf_minimum = int(np.clip(training_rows // 20, 2, 300))
    return {
        "learning_rate": trial.suggest_float("learning_rate", 0.02, 0.2, log=True),
        "num_leaves": trial.suggest_int("num_leaves", 8, 64, log=True),
        "max_depth": trial.suggest_int("max_depth", 3, 8),
        "min_data_in_leaf": trial.suggest_int("min_data_in_leaf", min(10, largest_leaf_minimum),
                                              largest_leaf_minimum, log=True),
        "feature_fraction": trial.suggest_float("feature_fraction", 0.3, 1.0),
        "bagging_fraction": trial.suggest_float("bagging_fraction", 0.5, 1.0),
        "lambda_l1": trial.suggest_float("lambda_l1", 1e-3, 10.0, log=True),
        "lambda_l2": trial.suggest_float("lambda_l2", 1e-3, 10.0, log=True),
    }


def run_params(params: Mapping[str, object], *, num_threads: int, seed: int) -> dict[str, object]:
    """Return a run's LightGBM parameters: the fixed ones, then `params`, threads, seed and layout.

    The histogram layout follows the feature sampling: with ``feature_fraction`` < 1, column-wise
    histograms were 1.2-3.5x faster than row-wise on every draw of the search space measured (2,000 to
    205,000 rows of the Kaggle-scale features; row-wise copies the sampled columns for each tree);
    with every feature, row-wise was 1.3-1.8x faster (LightGBM's defaults, 205,000 rows).
    """
    full = {**FIXED_PARAMS, **params, "num_threads": num_threads, "seed": seed}
    column_wise = full.get("feature_fraction", 1.0) < 1
    return {**full, "force_col_wise": column_wise, "force_row_wise": not column_wise}


@contextlib.contextmanager
def _weighted(dataset: lgb.Dataset, weight: np.ndarray | None) -> Iterator[lgb.Dataset]:
    """Give a constructed dataset row weights for the duration of the block (same bins, no copy)."""
    if weight is None:
        yield dataset
        return
    dataset.set_field("weight", weight)
    try:
        yield dataset
    finally:
        dataset.set_field("weight", None)


def fold_datasets(task: CVTask, fold: int, *,
                  positive_weight: float | None = None) -> tuple[lgb.Dataset, lgb.Dataset]:
    """Return the training and validation rows of one fold: subsets of the task's binned dataset."""
    train, valid = task.folds[fold]
    weight = task.weights(positive_weight)
    subsets = []
    for rows in (train, valid):
        subset = task.dataset.subset(rows).construct()
        if weight is not None:
            subset.set_weight(weight[rows])
        subsets.append(subset)
    return subsets[0], subsets[1]


@dataclass(frozen=True)
class CVResult:
    """Outcome of one cross-validation run.

    ``auc_mean``/``auc_std`` are over the folds, each at its best round; ``best_iteration`` is the
    mean of those rounds (the final model's). ``oof_margin`` holds each row's raw log-odds from the
    fold that held it out, at that fold's best round (NaN for rows no fold covers).
    """

    auc_mean: float
    auc_std: float
    best_iteration: int
    oof_margin: np.ndarray
    fold_auc: tuple[float, ...]
    fold_best: tuple[int, ...]  # each fold's best round
    fold_rounds: tuple[int, ...]  # rounds each fold trained, early-stopping patience included


class _FoldWatch:
    """Follow one fold's validation AUC round by round: keep the validation margins of the best round,
    stop early, advance the progress bar.

    The margins come from the validation scores LightGBM keeps up to date anyway: ``feval`` receives
    them every round (as probabilities), and the watch copies them when the AUC improves.
    """

    order = 30

    def __init__(self, *, patience: int | None, bar: tqdm) -> None:
        self.patience, self.bar = patience, bar
        self.best_auc, self.best_round, self.rounds = -np.inf, 0, 0
        self.best_probability: np.ndarray | None = None
        self._latest: np.ndarray | None = None

    def scores(self, probability: np.ndarray, _: lgb.Dataset) -> tuple[str, float, bool]:
        """``feval``: keep a reference to this round's validation probabilities (no metric of its own)."""
        self._latest = probability
        return "kept", 0.0, True

    def __call__(self, env: lgb.callback.CallbackEnv) -> None:
        self.rounds = env.iteration + 1
        auc = next(item[2] for item in env.evaluation_result_list if item[1] == "auc")
        if auc > self.best_auc:
            assert self._latest is not None, "feval ran after the callback: a bug"
            self.best_auc, self.best_round = auc, self.rounds
            self.best_probability = self._latest.copy()  # LightGBM reuses that buffer next round
        self.bar.update(1)
        if self.patience is not None and self.rounds - self.best_round >= self.patience:
            raise lgb.callback.EarlyStopException(self.best_round - 1, env.evaluation_result_list)

    @property
    def best_margin(self) -> np.ndarray:
        """np.ndarray: the validation rows' raw log-odds at the best round (within +-36.7, where a
        probability in float64 stops telling them apart from certainty)."""
        probability = np.clip(np.asarray(self.best_probability, dtype=np.float64), _SMALLEST, 1 - _EPSILON)
        return np.log(probability) - np.log1p(-probability)


class _Pruner:
    """LightGBM callback of the first fold: report its running AUC, stop the trial if it is pruned."""

    order = 40  # after the watch (30): an early-stopped round is not reported

    def __init__(self, trial: optuna.Trial) -> None:
        self.trial = trial

    def __call__(self, env: lgb.callback.CallbackEnv) -> None:
        step = env.iteration + 1
        if step % _PRUNE_EVERY:
            return
        auc = next(item[2] for item in env.evaluation_result_list if item[1] == "auc")
        self.trial.report(auc, step=step)
        if self.trial.should_prune():
            raise optuna.TrialPruned(f"first fold's AUC {auc:.4f} at round {step} is below the median of "
                                     "the finished trials' first folds")


def cross_validate(params: Mapping[str, object], task: CVTask, *, positive_weight: float | None = None,
                   rounds: int = MAX_ROUNDS, early_stopping: bool = True,
                   first_fold_callbacks: Sequence[Callable] = (), progress: str | None = None) -> CVResult:
    """Cross-validate LightGBM with `params` on the task's folds, one fold after another.

    Parameters
    ----------
    params : dict
        LightGBM parameters; thread count and seed come from `task`.
    task : CVTask
        Binned data and folds.
    positive_weight : float or None, default=None
        Weight of each defaulted application; None trains unweighted.
    rounds : int, default=MAX_ROUNDS
        Maximum boosting rounds per fold.
    early_stopping : bool, default=True
        Stop a fold when its validation AUC has not improved for ``EARLY_STOPPING_ROUNDS`` rounds.
    first_fold_callbacks : sequence of callables, default=()
        Extra LightGBM callbacks of the first fold (the tuner's pruner).
    progress : str or None, default=None
        Show a tqdm bar over boosting rounds with this label.

    Returns
    -------
    CVResult
    """
    oof = np.full(len(task.target), np.nan)
    aucs, best_rounds, trained = [], [], []
    full_params = run_params(params, num_threads=task.num_threads, seed=task.seed)
    with tqdm(total=rounds * len(task.folds), desc=progress, unit="round", disable=progress is None,
              leave=False) as bar:
        for k, (_, valid) in enumerate(task.folds):
            train_set, valid_set = fold_datasets(task, k, positive_weight=positive_weight)
            watch = _FoldWatch(patience=EARLY_STOPPING_ROUNDS if early_stopping else None, bar=bar)
            lgb.train(full_params, train_set, num_boost_round=rounds, valid_sets=[valid_set],
                      valid_names=["valid"], feval=watch.scores,
                      callbacks=[watch, *(first_fold_callbacks if k == 0 else ())])
            bar.update(rounds * (k + 1) - bar.n)  # an early-stopped fold's remaining rounds
            oof[valid] = watch.best_margin
            aucs.append(watch.best_auc)
            best_rounds.append(watch.best_round)
            trained.append(watch.rounds)
    return CVResult(auc_mean=float(np.mean(aucs)), auc_std=float(np.std(aucs)),
                    best_iteration=max(1, round(float(np.mean(best_rounds)))), oof_margin=oof,
                    fold_auc=tuple(float(a) for a in aucs), fold_best=tuple(best_rounds),
                    fold_rounds=tuple(trained))


class _Objective:
    """Score one trial by CV AUC, keeping the cross-validation of this process's best trial."""

    def __init__(self, task: CVTask, *, seed: int, progress: bool) -> None:
        self.task, self.seed, self.progress = task, seed, progress
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        self.best: tuple[int, CVResult] | None = None

    def __call__(self, trial: optuna.Trial) -> float:
        # Each trial draws with its own seed (its number is unique in the study): processes that share
        # a study never draw the same values, and one process alone draws the same as last time.
        trial.study.sampler = optuna.samplers.TPESampler(seed=self.seed + trial.number, n_startup_trials=5)
        trial.set_user_attr("worker", self.worker)
        params = suggest_params(trial, training_rows=min(len(train) for train, _ in self.task.folds))
        started = time.process_time()
        result = cross_validate(params, self.task, first_fold_callbacks=[_Pruner(trial)],
                                progress=f"trial {trial.number}" if self.progress else None)
        # CPU seconds of the whole process (all threads): the benchmark compares them with bare LightGBM.
        trial.set_user_attr("cpu_seconds", time.process_time() - started)
        trial.set_user_attr("best_iteration", result.best_iteration)
        trial.set_user_attr("auc_std", result.auc_std)
        trial.set_user_attr("fold_auc", list(result.fold_auc))
        trial.set_user_attr("fold_rounds", list(result.fold_rounds))
        if self.best is None or result.auc_mean > self.best[1].auc_mean:
            self.best = (trial.number, result)
        return result.auc_mean


@dataclass(frozen=True)
class TuningResult:
    """The study, its best trial when this process finished tuning, and that trial's cross-validation
    when it ran in this process."""

    study: optuna.Study
    best_trial: optuna.trial.FrozenTrial
    best_cv: CVResult | None
    finished_at: datetime
    seconds: float

    @property
    def best_params(self) -> dict[str, object]:
        """dict: the best trial's LightGBM parameters."""
        return self.best_trial.params


def tune(task: CVTask, *, study: optuna.Study, n_trials: int | None, timeout: float | None, seed: int,
         progress: bool = True) -> TuningResult:
    """Add trials to the study until it holds `n_trials` finished ones (every process's) or `timeout` passes.

    Parameters
    ----------
    task : CVTask
        Data and folds shared by every trial.
    study : optuna.Study
        From :func:`open_study`.
    n_trials : int or None
        Finished (complete or pruned) trials the study should hold, counting earlier runs and other
        processes; None means no limit.
    timeout : float or None
        Seconds this process may spend; None means no limit.
    seed : int
        Base seed of the TPE sampler (each trial draws with ``seed + trial number``).
    progress : bool, default=True
        Show tqdm bars over trials and rounds.

    Returns
    -------
    TuningResult
        The study's best trial when tuning ended here (perhaps another process's).

    Raises
    ------
    ValueError
        If neither a trial count nor a timeout is given, or no trial of the study completed.
    """
    if n_trials is None and timeout is None:
        raise ValueError("give n_trials or timeout (or both); tuning without either never ends")
    started = datetime.now(UTC)
    objective = _Objective(task, seed=seed, progress=progress)
    finished = len(study.get_trials(deepcopy=False, states=_FINISHED))
    remaining = None if n_trials is None else n_trials - finished
    if remaining is None or remaining > 0:
        callbacks = [] if n_trials is None else [optuna.study.MaxTrialsCallback(n_trials, states=_FINISHED)]
        study.optimize(objective, n_trials=remaining, timeout=timeout, callbacks=callbacks,
                       show_progress_bar=progress, gc_after_trial=True)
    if not study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)):
        raise ValueError(f"no trial of study {study.study_name!r} completed; raise --trials or --timeout")
    best, finished = study.best_trial, datetime.now(UTC)
    mine = objective.best
    return TuningResult(study, best, mine[1] if mine and mine[0] == best.number else None, finished,
                        (finished - started).total_seconds())


def fit_booster(params: Mapping[str, object], task: CVTask, *, rounds: int, positive_weight: float | None,
                progress: bool = True) -> lgb.Booster:
    """Fit the final booster on every row of the task's dataset for exactly `rounds` rounds."""
    with (_weighted(task.dataset, task.weights(positive_weight)) as dataset,
          tqdm(total=rounds, desc="fitting final model", unit="round", disable=not progress) as bar):
        return lgb.train(run_params(params, num_threads=task.num_threads, seed=task.seed), dataset,
                         num_boost_round=rounds,
                         callbacks=[_RoundBar(bar)])


class _RoundBar:
    """LightGBM callback that advances a tqdm bar by one boosting round."""

    order = 50

    def __init__(self, bar: tqdm) -> None:
        self.bar = bar

    def __call__(self, env: lgb.callback.CallbackEnv) -> None:
        self.bar.update(1)
