"""Tests of train/fairness.py: age bands and group decision metrics."""

import numpy as np
import pandas as pd
import pytest

from train.fairness import age_band, fairness_table


@pytest.mark.parametrize(("years", "band"), [(17, "<25"), (24.9, "<25"), (25, "25-34"), (44.5, "35-44"),
                                             (64.99, "55-64"), (65, "65+"), (90, "65+")])
def test_age_band_known_answers(years, band):
    assert age_band(pd.Series([-years * 365.25]))[0] == band


def test_missing_age_has_no_band():
    assert pd.isna(age_band(pd.Series([np.nan]))[0])


def test_group_metrics_known_answers():
    groups = pd.Series(["F"] * 4 + ["M"] * 4)
    y = np.array([1, 1, 0, 0, 1, 0, 0, 0])
    p = np.array([0.9, 0.1, 0.8, 0.1, 0.9, 0.9, 0.1, 0.1])
    table = fairness_table(groups, y, p, threshold=0.5, min_group=1)
    women, men = table["groups"]
    assert women == {"group": "F", "n": 4, "default_rate": 0.5, "approval_rate": 0.5, "recall": 0.5,
                     "false_positive_rate": 0.5}
    assert men["recall"] == 1.0 and men["false_positive_rate"] == pytest.approx(1 / 3)
    assert table["ratios"]["recall"] == 0.5
    assert table["ratios"]["approval_rate"] == 1.0


def test_small_groups_are_left_out_of_ratios():
    groups = pd.Series(["F"] * 50 + ["XNA"] * 2)
    y = np.r_[np.tile([0, 1], 25), [0, 0]]
    p = np.r_[np.full(50, 0.1), [0.9, 0.9]]
    table = fairness_table(groups, y, p, threshold=0.5)
    assert [g["group"] for g in table["groups"]] == ["F", "XNA"]
    assert table["ratios"]["approval_rate"] is None


def test_missing_group_values_form_their_own_group():
    table = fairness_table(pd.Series(["F", None]), np.array([0, 1]), np.array([0.1, 0.2]), threshold=0.5)
    assert {g["group"] for g in table["groups"]} == {"F", "missing"}


def test_age_bands_are_listed_youngest_first():
    days = pd.Series([-70 * 365.25, -20 * 365.25, -30 * 365.25])
    table = fairness_table(age_band(days), np.array([0, 1, 0]), np.array([0.1, 0.2, 0.3]), threshold=0.5)
    assert [g["group"] for g in table["groups"]] == ["<25", "25-34", "65+"]


def test_lengths_must_agree():
    with pytest.raises(ValueError, match="differ in length"):
        fairness_table(pd.Series(["F"]), np.array([0, 1]), np.array([0.1, 0.2]), threshold=0.5)
