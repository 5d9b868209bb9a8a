"""Tests of train/scorecard.py: points-to-double-the-odds scaling."""

import math

import numpy as np
import pytest

from train.scorecard import Scorecard


def test_base_odds_score_base_points():
    assert Scorecard().points([1 / 51])[0] == 600


@pytest.mark.parametrize(("odds", "points"), [(100, 620), (25, 580), (200, 640)])
def test_doubling_the_odds_adds_pdo_points(odds, points):
    assert Scorecard().points([1 / (1 + odds)])[0] == points


def test_points_fall_as_risk_rises():
    points = Scorecard().points(np.linspace(0, 1, 101))
    assert np.all(np.diff(points) <= 0)
    assert points[0] > points[-1]


def test_extreme_probabilities_give_finite_scores():
    points = Scorecard().points([0.0, 1.0])
    assert np.all(np.isfinite(points))


def test_factor_and_offset_follow_the_documented_formula():
    card = Scorecard(base_points=500, base_odds=20, points_to_double_odds=50)
    assert card.factor == pytest.approx(50 / math.log(2))
    assert card.offset == pytest.approx(500 - card.factor * math.log(20))


@pytest.mark.parametrize("probability", [[-0.1], [1.5], [float("nan")]])
def test_probability_outside_unit_interval_is_rejected(probability):
    with pytest.raises(ValueError, match=r"probability must lie in \[0, 1\]"):
        Scorecard().points(probability)


@pytest.mark.parametrize(("field", "match"), [("base_odds", "base_odds must be > 0"),
                                              ("points_to_double_odds", "points_to_double_odds must be > 0")])
def test_non_positive_constants_are_rejected(field, match):
    with pytest.raises(ValueError, match=match):
        Scorecard(**{field: 0})


def test_round_trips_through_dict():
    card = Scorecard(base_points=650, base_odds=30, points_to_double_odds=25)
    assert Scorecard(**card.to_dict()) == card
