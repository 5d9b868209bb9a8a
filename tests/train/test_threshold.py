"""Tests of train/threshold.py: the business-cost threshold and cost curve."""

import numpy as np
import pytest

from train.threshold import CostMatrix, cost_curve, cost_per_thousand, optimal_threshold


@pytest.fixture(scope="module")
def scored():
    rng = np.random.default_rng(3)
    probability = rng.beta(1, 8, size=4000)
    y = (rng.random(4000) < probability).astype(int)
    return y, probability


def test_cost_per_thousand_known_answer():
    y = [1, 0, 0, 1]
    p = [0.9, 0.8, 0.1, 0.2]
    # threshold 0.5 refuses rows 0 and 1: one false positive (row 1), one false negative (row 3)
    assert cost_per_thousand(y, p, 0.5, costs=CostMatrix(10, 1)) == pytest.approx(1000 * 11 / 4)


def test_accept_all_and_refuse_all_costs(scored):
    y, p = scored
    costs = CostMatrix(10, 1)
    assert cost_per_thousand(y, p, np.inf, costs=costs) == pytest.approx(1000 * 10 * y.mean())
    assert cost_per_thousand(y, p, 0.0, costs=costs) == pytest.approx(1000 * (1 - y.mean()))


@pytest.mark.parametrize(("fn", "fp"), [(10, 1), (1, 1), (5, 2), (1, 20)])
def test_optimal_threshold_is_the_brute_force_minimum(scored, fn, fp):
    y, p = scored
    costs = CostMatrix(fn, fp)
    threshold, cost = optimal_threshold(y, p, costs=costs)
    grid = np.linspace(0, 1.001, 2003)
    brute = min(cost_per_thousand(y, p, t, costs=costs) for t in grid)
    assert cost == pytest.approx(cost_per_thousand(y, p, threshold, costs=costs))
    assert cost <= brute + 1e-9


def test_cost_curve_matches_direct_cost_at_each_threshold(scored):
    y, p = scored
    costs = CostMatrix(10, 1)
    thresholds, cost = cost_curve(y, p, costs=costs)
    for i in (0, 5, len(thresholds) // 2, len(thresholds) - 1):
        assert cost[i] == pytest.approx(cost_per_thousand(y, p, thresholds[i], costs=costs))


def test_calibrated_threshold_is_near_the_bayes_threshold(scored):
    y, p = scored  # p is the true probability, so the cost-optimal cut is fp / (fn + fp)
    threshold, _ = optimal_threshold(y, p, costs=CostMatrix(10, 1))
    assert abs(threshold - 1 / 11) < 0.03


def test_free_false_negatives_accept_everyone(scored):
    y, p = scored
    threshold, cost = optimal_threshold(y, p, costs=CostMatrix(0, 1))
    assert threshold > 1 and cost == 0


@pytest.mark.parametrize(("fn", "fp", "match"), [(-1, 1, "false negative must be >= 0"),
                                                 (1, float("nan"), "false positive must be >= 0"),
                                                 (0, 0, "at least one of the two costs")])
def test_invalid_costs_are_rejected(fn, fp, match):
    with pytest.raises(ValueError, match=match):
        CostMatrix(fn, fp)


@pytest.mark.parametrize(("y", "p", "match"), [
    ([0, 1], [0.5], "same length"),
    ([0, 2], [0.5, 0.5], "only 0 .repaid. and 1"),
    ([0, 1], [0.5, 1.5], r"probability must lie in \[0, 1\]"),
])
def test_bad_inputs_are_rejected(y, p, match):
    with pytest.raises(ValueError, match=match):
        optimal_threshold(y, p, costs=CostMatrix())
