"""The training pipeline, step by step: features, CV tuning, class weighting, calibration, threshold,
final fit, explanations, fairness, reference statistics, suite, report and model card.

:func:`train` returns everything the model bundle holds; the command (``train/__main__.py``) saves it.
"""

from __future__ import annotations

import hashlib
import platform
import time
from collections import Counter
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata

import lightgbm as lgb
import numpy as np
import optuna
import pandas as pd
from sklearn.metrics import roc_auc_score
from tqdm.auto import tqdm

from expectations import build_suite
from features.build import feature_names
from features.schema import SCHEMA_VERSION
from train import explain
from train.bundle import BundleContents, feature_spec
from train.calibration import PlattCalibrator, brier_score, cross_fitted_probability
from train.data import TrainingData
from train.fairness import age_band, fairness_table
from train.matrix import FeatureMatrix
from train.model_card import build_model_card
from train.profile import build_profile, profiled_features
from train.reference import reference_columns, reference_statistics
from train.report import Evidence, build_report
from train.scorecard import Scorecard
from train.study import DEFAULT_STORAGE, open_storage, open_study, shown_url
from train.threshold import CostMatrix, cost_curve, cost_per_thousand, optimal_threshold
from train.tuning import (
    DEFAULT_ROUNDS,
    CVResult,
    CVTask,
    TuningResult,
    bin_features,
    cross_validate,
    fit_booster,
    make_task,
    stratified_sample,
    tune,
)

__all__ = ["TrainingConfig", "TrainingResult", "train"]

_LIBRARIES = ("lightgbm", "optuna", "shap", "bentoml", "great_expectations", "pandas", "numpy",
              "scikit-learn")
#: Rows used for the SHAP summary and the global importance, and for the timing of explanations.
_SHAP_ROWS = 2000
_TIMING_ROWS = 200
#: Features whose mean |SHAP| is stored in the metrics (global importance, largest first).
_IMPORTANCE_KEPT = 30
_COMPLETE = (optuna.trial.TrialState.COMPLETE,)
_EXPLAINER = {
    "method": "exact TreeSHAP: booster.predict(pred_contrib=True)",
    "space": "calibrated log-odds: raw SHAP values x calibrator slope, its intercept in the base value",
    "shap_compatible": "shap.TreeExplainer(lightgbm.Booster(model_file='model.txt'))",
}


@dataclass(frozen=True)
class TrainingConfig:
    """Settings of one training run (the command-line options).

    Parameters
    ----------
    n_trials : int or None
        Completed-or-pruned trials the study should hold; None means until `timeout`.
    timeout : float or None
        Seconds of tuning in this session; None means until `n_trials`.
    n_folds : int
        Stratified folds of the cross-validation.
    seed : int
        Seed of the folds, the sampler, LightGBM and every sample.
    costs : CostMatrix
        Cost of a false negative and of a false positive.
    model_name : str
        BentoML model name.
    num_threads : int
        LightGBM threads during training.
    storage : str
        URL of the Optuna storage: ``sqlite:///FILE`` or ``postgresql+psycopg://USER@HOST/DB``.
    study_name : str or None
        Name of the study; None derives one from the model name, the data and the folds.
    tune_sample : float
        Share of the applications the trials cross-validate on (a stratified sample; 1 = all); the
        best parameters are then cross-validated and fitted on all of them.
    progress : bool
        Show tqdm progress bars.
    """

    n_trials: int | None = 30
    timeout: float | None = None
    n_folds: int = 5
    seed: int = 42
    costs: CostMatrix = field(default_factory=CostMatrix)
    model_name: str = "credit_scoring"
    num_threads: int = 2
    storage: str = DEFAULT_STORAGE
    study_name: str | None = None
    tune_sample: float = 1.0
    progress: bool = True


@dataclass
class TrainingResult:
    """What training produced: the bundle contents plus labels and metadata for the model store."""

    contents: BundleContents
    evidence: Evidence
    labels: dict[str, str]
    metadata: dict[str, object]


def _say(config: TrainingConfig, message: str) -> None:
    if config.progress:
        tqdm.write(message)


def _features_and_target(data: TrainingData, config: TrainingConfig) -> tuple[
        FeatureMatrix, np.ndarray, dict[str, int]]:
    """Build the features; return them as a matrix (the frame goes), TARGET in the same row order, and
    the rows of each table."""
    applications = data.applications
    repeated = applications["SK_ID_CURR"].duplicated()
    if repeated.any():
        first = applications["SK_ID_CURR"][repeated].iloc[0]
        raise ValueError(f"application_train repeats SK_ID_CURR {first}; each application must appear once")
    if applications["TARGET"].isna().any():
        raise ValueError("application_train has rows without TARGET; "
                         "training needs a known outcome for every row")
    features, row_counts = data.build_features(progress=config.progress)
    assert np.array_equal(features.index.to_numpy(), applications["SK_ID_CURR"].to_numpy()), \
        "build_features changed the order of the applications: this is a bug"
    return FeatureMatrix.from_frame(features), applications["TARGET"].to_numpy().astype(np.int8), row_counts


def _fingerprint(data: TrainingData, config: TrainingConfig) -> dict[str, object]:
    """What the trials' scores depend on: the feature list, the data, and the folds (see train.study)."""
    names = feature_names()
    sample = "all rows" if config.tune_sample == 1 else f"a {config.tune_sample:g} stratified sample"
    return {"features": hashlib.sha1(",".join(names).encode()).hexdigest()[:16], "feature_count": len(names),
            "data": data.fingerprint, "rows": len(data.applications),
            "cv": f"{config.n_folds} folds, seed {config.seed}, trials on {sample}"}


def _study_name(config: TrainingConfig, fingerprint: dict[str, object]) -> str:
    """Name the study after the model and what its scores depend on, so runs never mix two data sets."""
    if config.study_name:
        return config.study_name
    key = "|".join(str(fingerprint[k]) for k in ("features", "data", "cv"))
    return f"{config.model_name}-{hashlib.sha1(key.encode()).hexdigest()[:10]}"


@dataclass(frozen=True)
class _Candidate:
    """One way of training (unweighted or weighted), judged on out-of-fold predictions."""

    name: str
    positive_weight: float | None
    cv: CVResult
    calibrator: PlattCalibrator
    honest_probability: np.ndarray  # cross-fitted calibration, for the Brier score and reliability

    def summary(self, y: np.ndarray, costs: CostMatrix) -> dict[str, float]:
        raw = 1 / (1 + np.exp(-self.cv.oof_margin))
        _, cost = optimal_threshold(y, self.calibrator.probability(self.cv.oof_margin), costs=costs)
        return {"cv_auc": self.cv.auc_mean, "brier_uncalibrated": brier_score(y, raw),
                "brier": brier_score(y, self.honest_probability), "cost_per_1000": cost}


def _candidate(name: str, params: dict, task: CVTask, positive_weight: float | None, progress: bool,
               cv: CVResult | None = None) -> _Candidate:
    """Judge one way of training; `cv` reuses a cross-validation already run with the same settings."""
    if cv is None:
        cv = cross_validate(params, task, positive_weight=positive_weight,
                            progress=f"CV {name}" if progress else None)
    return _Candidate(name, positive_weight, cv, PlattCalibrator.fit(cv.oof_margin, task.target),
                      cross_fitted_probability(cv.oof_margin, task.target, task.fold_of_row))


def _decision_metrics(y: np.ndarray, probability: np.ndarray, threshold: float, costs: CostMatrix) -> dict:
    refused = probability >= threshold
    true_positives = int(np.sum(refused & (y == 1)))
    return {
        "threshold": threshold,
        "bayes_threshold": costs.false_positive / (costs.false_positive + costs.false_negative),
        "cost_per_1000": {
            "optimal": cost_per_thousand(y, probability, threshold, costs=costs),
            "threshold_0_5": cost_per_thousand(y, probability, 0.5, costs=costs),
            "accept_all": cost_per_thousand(y, probability, np.inf, costs=costs),
            "refuse_all": cost_per_thousand(y, probability, 0.0, costs=costs),
        },
        "approval_rate": float(1 - refused.mean()),
        "recall": true_positives / max(int(y.sum()), 1),
        "precision": true_positives / max(int(refused.sum()), 1),
        "false_positive_rate": float(np.sum(refused & (y == 0)) / max(int(np.sum(y == 0)), 1)),
    }


def _explain(booster: lgb.Booster, features: FeatureMatrix,
             config: TrainingConfig) -> tuple[dict, np.ndarray, pd.DataFrame]:
    rng = np.random.default_rng(config.seed)
    rows = np.sort(rng.choice(len(features), size=min(_SHAP_ROWS, len(features)), replace=False))
    sample = features.frame(rows=rows)
    contributions, _ = explain.tree_shap(booster, sample, num_threads=config.num_threads)
    error = explain.additivity_error(booster, sample, num_threads=config.num_threads)
    assert error < 1e-6, f"SHAP values do not add up to the model output (gap {error}): a bug"
    timing_rows = sample.iloc[:_TIMING_ROWS]
    info = {
        "shap_additivity_error": error,
        "shap_tree_explainer_gap": explain.shap_matches_tree_explainer(
            booster, timing_rows, num_threads=config.num_threads),
        "model_size": explain.model_size(booster),
        # One thread, as a service worker predicts.
        "timing": {**explain.timing_per_row(booster, timing_rows, num_threads=1), "threads": 1},
    }
    return info, contributions, sample


def _library_versions() -> dict[str, str]:
    return {"python": platform.python_version(),
            **{name: importlib_metadata.version(name) for name in _LIBRARIES}}


def _choose_weighting(tuning: TuningResult, task: CVTask,
                      config: TrainingConfig) -> tuple[_Candidate, dict, float]:
    """Cross-validate unweighted and class-weighted training with the best parameters on every row;
    keep the one with the lower expected cost. Also return the seconds the unweighted run took (none
    when the best trial's own cross-validation on every row is reused)."""
    y = task.target
    positive_weight = float((y == 0).sum() / (y == 1).sum())
    params = tuning.best_params
    started = time.perf_counter()
    unweighted = _candidate("unweighted", params, task, None, config.progress, cv=tuning.best_cv)
    seconds = time.perf_counter() - started
    candidates = [unweighted, _candidate("weighted", params, task, positive_weight, config.progress)]
    summaries = {c.name: c.summary(y, config.costs) for c in candidates}
    # An unweighted model wins ties: its probabilities need less repair.
    chosen = min(candidates, key=lambda c: (round(summaries[c.name]["cost_per_1000"], 6),
                                            c.name != "unweighted"))
    return chosen, {"chosen": chosen.name, "positive_weight": positive_weight, **summaries}, seconds


def _fairness(applications: pd.DataFrame, y: np.ndarray, probability: np.ndarray, threshold: float) -> dict:
    groups = {"CODE_GENDER": applications["CODE_GENDER"], "age_band": age_band(applications["DAYS_BIRTH"])}
    return {name: fairness_table(g, y, probability, threshold=threshold) for name, g in groups.items()}


def _tuning_summary(tuning: TuningResult, tuning_task: CVTask, config: TrainingConfig, *,
                    all_rows: dict[str, float]) -> dict:
    """The study, its trials (by state and by process), the best trial used, and, when the trials ran
    on a sample, the best parameters' CV AUC and time on the sample and on every row side by side."""
    study, best = tuning.study, tuning.best_trial
    trials = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,
                                                      optuna.trial.TrialState.PRUNED))
    sample = None
    if config.tune_sample < 1:
        sample = {"fraction": config.tune_sample, "rows": len(tuning_task.rows), "best_cv_auc": best.value,
                  "tuning_seconds": tuning.seconds, "all_rows": len(tuning_task.target), **all_rows}
    return {"study_name": study.study_name, "storage": shown_url(config.storage),
            "trials_complete": sum(t.state == optuna.trial.TrialState.COMPLETE for t in trials),
            "trials_pruned": sum(t.state == optuna.trial.TrialState.PRUNED for t in trials),
            "trials_by_worker": dict(Counter(str(t.user_attrs.get("worker")) for t in trials)),
            "best_trial": best.number, "best_trial_worker": best.user_attrs.get("worker"),
            "best_params": best.params, "best_trial_auc": best.value,
            "best_read_at": tuning.finished_at.isoformat(), "seconds": tuning.seconds, "sample": sample}


def _store_labels(metrics: dict) -> tuple[dict[str, str], dict[str, object]]:
    """Return the model store's labels (short strings) and metadata (headline numbers, provenance)."""
    labels = {"data": "synthetic" if metrics["data_source"].startswith("synthetic") else "kaggle-folder",
              "cv_auc": f"{metrics['cv_auc']:.4f}", "threshold": f"{metrics['threshold']:.4f}",
              "schema_version": SCHEMA_VERSION}
    headline = ("cv_auc", "cv_auc_std", "cv_auc_default", "oof_auc", "brier", "threshold", "cost_per_1000",
                "approval_rate")
    metadata = {"metrics": {k: metrics[k] for k in headline}, "data_source": metrics["data_source"],
                "row_counts": metrics["row_counts"], "features": metrics["features"],
                "libraries": _library_versions(), "schema_version": SCHEMA_VERSION}
    return labels, metadata


@dataclass(frozen=True)
class _Fitted:
    """The model-fitting half of a run: baseline, tuning, chosen weighting, threshold and final booster."""

    baseline: CVResult
    tuning: dict
    trial_values: list[float]
    chosen: _Candidate
    weighting: dict
    probability: np.ndarray  # calibrated out-of-fold probabilities: the threshold and every decision metric
    threshold: float
    booster: lgb.Booster


def _fit(task: CVTask, study: optuna.Study, config: TrainingConfig) -> _Fitted:
    baseline = cross_validate({}, task, rounds=DEFAULT_ROUNDS, early_stopping=False,
                              progress="CV LightGBM defaults" if config.progress else None)
    tuning_task = task
    if config.tune_sample < 1:
        rows = stratified_sample(task.target, fraction=config.tune_sample, seed=config.seed)
        tuning_task = make_task(task.dataset, task.target, n_folds=config.n_folds, seed=config.seed,
                                num_threads=config.num_threads, rows=rows)
    _say(config, f"Tuning: study {study.study_name!r} in {shown_url(config.storage)}, trials on "
                 f"{len(tuning_task.rows):,} of {len(task.target):,} applications")
    tuning = tune(tuning_task, study=study, n_trials=config.n_trials, timeout=config.timeout,
                  seed=config.seed, progress=config.progress)
    # A best trial run in this process on every row has its out-of-fold margins already.
    reusable = tuning if tuning_task is task else TuningResult(tuning.study, tuning.best_trial, None,
                                                                 tuning.finished_at, tuning.seconds)
    chosen, weighting, seconds = _choose_weighting(reusable, task, config)
    unweighted = weighting["unweighted"]["cv_auc"]
    probability = chosen.calibrator.probability(chosen.cv.oof_margin)
    threshold, _ = optimal_threshold(task.target, probability, costs=config.costs)
    booster = fit_booster(tuning.best_params, task, rounds=chosen.cv.best_iteration,
                          positive_weight=chosen.positive_weight, progress=config.progress)
    summary = _tuning_summary(tuning, tuning_task, config,
                              all_rows={"all_rows_cv_auc": unweighted, "all_rows_seconds": seconds})
    values = [t.value for t in tuning.study.get_trials(deepcopy=False, states=_COMPLETE)]
    return _Fitted(baseline, summary, values, chosen, weighting, probability, threshold, booster)


def _metrics(fitted: _Fitted, task: CVTask, source: str, row_counts: dict[str, int], config: TrainingConfig,
             *, explained: dict, importance: pd.Series, fairness: dict) -> dict:
    y, chosen = task.target, fitted.chosen
    return {
        "cv_auc": chosen.cv.auc_mean, "cv_auc_std": chosen.cv.auc_std,
        "cv_auc_default": fitted.baseline.auc_mean, "oof_auc": float(roc_auc_score(y, fitted.probability)),
        "brier": fitted.weighting[chosen.name]["brier"],
        "brier_uncalibrated": fitted.weighting[chosen.name]["brier_uncalibrated"],
        **_decision_metrics(y, fitted.probability, fitted.threshold, config.costs),
        "costs": {"false_negative": config.costs.false_negative,
                  "false_positive": config.costs.false_positive},
        "weighting": fitted.weighting, "best_iteration": chosen.cv.best_iteration,
        "tuning": fitted.tuning,
        "rows": len(y), "default_rate": float(y.mean()), "folds": config.n_folds, "seed": config.seed,
        "data_source": source, "row_counts": row_counts, "features": task.dataset.num_feature(),
        "importance": {k: float(v) for k, v in importance.head(_IMPORTANCE_KEPT).items()},
        "fairness_ratios": {k: v["ratios"] for k, v in fairness.items()},
        **explained,
    }


def train(data: TrainingData, config: TrainingConfig) -> TrainingResult:
    """Train, evaluate and package a credit-scoring model.

    Parameters
    ----------
    data : TrainingData
        Raw training tables. The history tables it holds in memory are dropped once the features are
        built (``TrainingData.drop_history``): at Kaggle scale they would hold 1.9 GB for nothing.
    config : TrainingConfig
        Settings of the run.

    Returns
    -------
    TrainingResult
        Ready for :func:`train.bundle.save_to_store`.

    Raises
    ------
    ValueError
        If the applications repeat an SK_ID_CURR or lack a TARGET, a class is too small for the folds,
        the storage cannot be opened, or the study was created for other features, data or folds.
    """
    fingerprint = _fingerprint(data, config)
    study = open_study(open_storage(config.storage), _study_name(config, fingerprint),
                       fingerprint=fingerprint)
    _say(config, f"Building features from {data.source} ...")
    features, y, row_counts = _features_and_target(data, config)
    data.drop_history()
    applications, source = data.applications, data.source
    _say(config, f"{len(features.columns)} features for {len(features)} applications, "
                 f"default rate {y.mean():.4f}")
    dataset = bin_features(features, y, num_threads=config.num_threads, seed=config.seed)
    task = make_task(dataset, y, n_folds=config.n_folds, seed=config.seed, num_threads=config.num_threads)
    fitted = _fit(task, study, config)

    _say(config, "Explaining, checking fairness, writing the report ...")
    explained, shap_values, shap_sample = _explain(fitted.booster, features, config)
    importance = explain.global_importance(shap_values, list(features.columns))
    reference = reference_columns(importance, features.columns)
    fairness = _fairness(applications, y, fitted.probability, fitted.threshold)
    metrics = _metrics(fitted, task, source, row_counts, config, explained=explained, importance=importance,
                       fairness=fairness)
    thresholds, cost_values = cost_curve(y, fitted.probability, costs=config.costs)
    evidence = Evidence(metrics=metrics, target=y, probability=fitted.probability,
                        honest_probability=fitted.chosen.honest_probability,
                        raw_probability=1 / (1 + np.exp(-fitted.chosen.cv.oof_margin)),
                        cost_thresholds=thresholds, cost_values=cost_values, trial_values=fitted.trial_values,
                        shap_values=shap_values, shap_features=shap_sample, fairness=fairness)
    scorecard = Scorecard()
    gain = pd.Series(fitted.booster.feature_importance("gain"), index=fitted.booster.feature_name())
    contents = BundleContents(
        booster=fitted.booster, features=feature_spec(features.frame(rows=np.arange(0))),
        calibrator=fitted.chosen.calibrator,
        threshold=fitted.threshold, costs=config.costs, scorecard=scorecard,
        explainer={**_EXPLAINER, **explained}, metrics=metrics, suite=build_suite(applications),
        reference=reference_statistics(features.frame(columns=reference), y, columns=reference,
                                       probability=fitted.probability, seed=config.seed),
        profile=build_profile(features.frame(columns=profiled_features(gain, features.columns)),
                              fitted.probability, threshold=fitted.threshold, gain=gain),
        report_html=build_report(evidence, title=f"Training report: {config.model_name}"),
        model_card=build_model_card(metrics, scorecard=scorecard, model_name=config.model_name),
    )
    labels, store_metadata = _store_labels(metrics)
    return TrainingResult(contents=contents, evidence=evidence, labels=labels, metadata=store_metadata)
