"""Tests of train/explain.py: exact TreeSHAP, its agreement with shap, importance and model size."""

import lightgbm as lgb
import numpy as np
import pytest

from train.explain import (
    additivity_error,
    global_importance,
    model_size,
    shap_matches_tree_explainer,
    timing_per_row,
    tree_shap,
)


def test_shap_values_plus_base_reproduce_the_raw_output(small_booster, small_frame):
    assert additivity_error(small_booster, small_frame[0], num_threads=1) < 1e-9


def test_tree_shap_matches_shap_tree_explainer(small_booster, small_frame):
    assert shap_matches_tree_explainer(small_booster, small_frame[0].iloc[:200], num_threads=1) < 1e-6


def test_tree_shap_shapes(small_booster, small_frame):
    contributions, base = tree_shap(small_booster, small_frame[0].iloc[:10], num_threads=1)
    assert contributions.shape == (10, 4) and base.shape == (10,)
    assert np.all(base == base[0])


def test_informative_feature_ranks_first(small_booster, small_frame):
    contributions, _ = tree_shap(small_booster, small_frame[0], num_threads=1)
    importance = global_importance(contributions, list(small_frame[0].columns))
    assert importance.index[0] == "SIGNAL"
    assert importance.is_monotonic_decreasing


def test_importance_rejects_wrong_width():
    with pytest.raises(ValueError, match="contributions have 2 columns for 3 features"):
        global_importance(np.zeros((4, 2)), ["a", "b", "c"])


def test_model_size_counts_trees_and_bounds_depth(small_booster):
    size = model_size(small_booster)
    assert size["trees"] == 30 and size["features"] == 4
    assert 1 <= size["depth_max"] <= 3
    assert size["leaves_total"] <= 30 * 8


def test_model_size_of_stumps(small_frame):
    frame, y = small_frame
    params = {"objective": "binary", "num_leaves": 2, "verbosity": -1, "num_threads": 1}
    stumps = lgb.train(params, lgb.Dataset(frame, label=y), num_boost_round=5)
    assert model_size(stumps) == {"trees": 5, "leaves_total": 10, "leaves_mean": 2.0, "depth_max": 1,
                                  "depth_mean": 1.0, "features": 4}


def test_timing_reports_explaining_slower_than_predicting(small_booster, small_frame):
    timing = timing_per_row(small_booster, small_frame[0].iloc[:500], num_threads=1)
    assert 0 < timing["predict_ms_per_row"] < timing["explain_ms_per_row"]
