"""Tests of train/pipeline.py: one small training run, checked step by step.

Small generated data (3,000 clients, 3 trials, 3 folds, one LightGBM thread) keeps the run short.
"""

import json

import lightgbm as lgb
import numpy as np
import pytest

from features.build import build_features
from train.bundle import ModelBundle, write_bundle
from train.threshold import cost_per_thousand
from train.tuning import run_params


@pytest.fixture(scope="session")
def saved_bundle(small_run, tmp_path_factory):
    result, _ = small_run
    directory = tmp_path_factory.mktemp("model")
    write_bundle(result.contents, directory)
    return ModelBundle.load(directory)


def test_saved_model_scores_as_in_training(small_run, saved_bundle):
    result, data = small_run
    features = build_features(data.applications, data.history)
    contents = result.contents
    in_training = contents.calibrator.probability(contents.booster.predict(features, raw_score=True))
    np.testing.assert_allclose(saved_bundle.predict_proba(features), in_training, rtol=1e-12)


def test_threshold_is_the_cost_minimum_over_a_grid(small_run):
    result, _ = small_run
    ev, costs = result.evidence, result.contents.costs
    at_threshold = cost_per_thousand(ev.target, ev.probability, result.contents.threshold, costs=costs)
    grid = min(cost_per_thousand(ev.target, ev.probability, t, costs=costs) for t in np.linspace(0, 1, 1001))
    assert at_threshold <= grid + 1e-9
    assert at_threshold == pytest.approx(result.contents.metrics["cost_per_1000"]["optimal"])


def test_threshold_beats_the_naive_policies(small_run):
    costs = small_run[0].contents.metrics["cost_per_1000"]
    assert costs["optimal"] < min(costs["threshold_0_5"], costs["accept_all"], costs["refuse_all"])


def test_tuned_model_beats_lightgbm_defaults_on_cv_auc(small_run):
    metrics = small_run[0].contents.metrics
    assert metrics["cv_auc"] > metrics["cv_auc_default"]


def test_probabilities_beat_a_constant_forecast(small_run):
    metrics = small_run[0].contents.metrics
    rate = metrics["default_rate"]
    assert metrics["brier"] < rate * (1 - rate)


def test_both_weightings_were_compared(small_run):
    weighting = small_run[0].contents.metrics["weighting"]
    assert weighting["chosen"] in ("unweighted", "weighted")
    for name in ("unweighted", "weighted"):
        assert set(weighting[name]) == {"cv_auc", "brier", "brier_uncalibrated", "cost_per_1000"}


def test_shap_values_reproduce_the_model_output(small_run, saved_bundle):
    metrics = small_run[0].contents.metrics
    assert metrics["shap_additivity_error"] < 1e-6
    assert metrics["shap_tree_explainer_gap"] < 1e-6


def test_model_size_stays_within_the_search_bounds(small_run):
    size = small_run[0].contents.metrics["model_size"]
    assert size["depth_max"] <= 8 and size["leaves_mean"] <= 64


def test_fairness_covers_gender_and_age_bands(small_run):
    fairness = small_run[0].evidence.fairness
    assert {g["group"] for g in fairness["CODE_GENDER"]["groups"]} >= {"F", "M"}
    assert len(fairness["age_band"]["groups"]) >= 4
    assert 0 < fairness["CODE_GENDER"]["ratios"]["approval_rate"] <= 1


def test_reference_holds_top_features_and_a_sample(small_run):
    result, _ = small_run
    reference = result.contents.reference
    top = list(result.contents.metrics["importance"])[:20]
    assert reference["columns"][:20] == top
    assert len(reference["sample"]["TARGET"]) == 2000


def test_suite_is_built_from_the_training_applications(small_run):
    suite = small_run[0].contents.suite
    assert json.loads(json.dumps(suite)) == suite
    assert any(e["type"] == "expect_column_values_to_be_between" for e in suite["expectations"])


def test_store_labels_and_metadata_carry_metrics_and_provenance(small_run, small_run_settings):
    result, _ = small_run
    assert result.labels["cv_auc"] == f"{result.contents.metrics['cv_auc']:.4f}"
    assert result.metadata["row_counts"]["application_train"] == small_run_settings["clients"]
    assert {"lightgbm", "optuna", "bentoml"} <= set(result.metadata["libraries"])


def test_final_model_is_the_one_a_fresh_dataset_would_train(small_run):
    # The final booster comes from the Dataset binned once and reused by every fold, trial and weighting.
    result, data = small_run
    features = build_features(data.applications, data.history)
    metrics = result.contents.metrics
    weighting = metrics["weighting"]
    weight = None
    if weighting["chosen"] == "weighted":
        y = data.applications["TARGET"].to_numpy()
        weight = np.where(y == 1, weighting["positive_weight"], 1.0)
    params = run_params(metrics["tuning"]["best_params"], num_threads=1, seed=metrics["seed"])
    fresh_data = lgb.Dataset(features, label=data.applications["TARGET"].to_numpy(), weight=weight,
                             params={"feature_pre_filter": False})
    fresh = lgb.train(params, fresh_data, num_boost_round=metrics["best_iteration"])
    np.testing.assert_array_equal(result.contents.booster.predict(features, raw_score=True),
                                  fresh.predict(features, raw_score=True))


def test_tuning_summary_names_the_study_and_its_best_trial(small_run, small_run_settings):
    tuning = small_run[0].contents.metrics["tuning"]
    assert tuning["trials_complete"] + tuning["trials_pruned"] == small_run_settings["trials"]
    assert list(tuning["trials_by_worker"].values()) == [small_run_settings["trials"]]
    assert tuning["storage"].startswith("sqlite:///") and tuning["sample"] is None
    assert tuning["best_trial_auc"] == max(small_run[0].evidence.trial_values)
