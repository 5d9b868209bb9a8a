"""The reference profile: deciles, levels and a missing bin, shares that sum to one, the approval rate."""

import numpy as np
import pandas as pd
import pytest

from train.profile import ADVISOR_FIELDS, bin_shares, build_profile, profile_bins


def test_a_continuous_feature_gets_deciles_and_a_missing_bin():
    values = pd.Series(np.r_[np.arange(1000, dtype=float), [np.nan] * 250])
    bins = profile_bins(values)
    assert bins["kind"] == "edges" and len(bins["edges"]) == 9
    shares = bin_shares(values, bins)
    np.testing.assert_allclose(shares, [0.08] * 10 + [0.2])


def test_small_counts_and_categories_get_one_bin_per_value_and_an_other_bin():
    counts = pd.Series([0, 0, 1, 2, 2, 2, np.nan, 3])
    bins = profile_bins(counts)
    assert bins == {"kind": "levels", "levels": [0.0, 1.0, 2.0, 3.0]}
    np.testing.assert_allclose(bin_shares(pd.Series([0, 7, 9, np.nan]), bins), [0.25, 0, 0, 0, 0.5, 0.25])
    levels = pd.Series(pd.Categorical(["M", "F", "F", None], categories=["F", "M", "XNA"]))
    bins = profile_bins(levels)
    assert bins == {"kind": "levels", "levels": ["F", "M", "XNA"]}
    np.testing.assert_allclose(bin_shares(levels, bins), [0.5, 0.25, 0, 0, 0.25])


def test_live_values_above_and_below_the_training_range_fall_in_the_outer_deciles():
    bins = profile_bins(pd.Series(np.linspace(0, 1, 101)))
    np.testing.assert_allclose(bin_shares(np.array([-5.0, 50.0]), bins), [0.5] + [0] * 8 + [0.5, 0])


def test_no_values_give_no_shares():
    bins = {"kind": "edges", "edges": [0.5]}
    assert bin_shares(np.array([]), bins).tolist() == [0.0, 0.0, 0.0]


def test_the_profile_keeps_the_top_features_by_gain_the_advisor_fields_and_the_score():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({f"F{i}": rng.normal(size=500) for i in range(40)}
                         | {"AMT_CREDIT": rng.uniform(1e5, 1e6, 500)})
    gain = pd.Series([*range(40), -1.0], index=frame.columns)  # AMT_CREDIT has the least gain
    probability = rng.uniform(size=500)
    profile = build_profile(frame, probability, threshold=0.3, gain=gain, top=30)
    assert list(profile["features"]) == [f"F{i}" for i in range(39, 9, -1)] + ["AMT_CREDIT"]
    assert profile["approval_rate"] == pytest.approx(np.mean(probability < 0.3))
    assert sum(profile["score"]["shares"]) == pytest.approx(1) and profile["rows"] == 500
    assert set(ADVISOR_FIELDS) & set(profile["features"]) == {"AMT_CREDIT"}
