"""Tests of train/calibration.py: Platt scaling, cross-fitting, Brier score, reliability curve."""

import numpy as np
import pytest

from train.calibration import PlattCalibrator, brier_score, cross_fitted_probability, reliability_curve


@pytest.fixture(scope="module")
def distorted():
    """Margins whose true log-odds are 0.5 * margin - 1 (what class weighting does to a model)."""
    rng = np.random.default_rng(0)
    margin = rng.normal(0, 2, 50_000)
    y = (rng.random(margin.size) < 1 / (1 + np.exp(-(0.5 * margin - 1)))).astype(int)
    return margin, y


def test_fit_recovers_known_slope_and_intercept(distorted):
    calibrator = PlattCalibrator.fit(*distorted)
    assert calibrator.slope == pytest.approx(0.5, abs=0.03)
    assert calibrator.intercept == pytest.approx(-1, abs=0.05)


def test_calibration_lowers_the_brier_score(distorted):
    margin, y = distorted
    raw = 1 / (1 + np.exp(-margin))
    calibrated = PlattCalibrator.fit(margin, y).probability(margin)
    assert brier_score(y, calibrated) < brier_score(y, raw)


def test_calibration_keeps_the_ranking(distorted):
    margin, y = distorted
    calibrated = PlattCalibrator.fit(margin, y).probability(margin)
    assert np.array_equal(np.argsort(margin, kind="stable"), np.argsort(calibrated, kind="stable"))


def test_default_is_the_identity():
    assert PlattCalibrator().probability([0.0])[0] == pytest.approx(0.5)


def test_huge_margins_do_not_overflow():
    p = PlattCalibrator(slope=3, intercept=0).probability([-1e4, 1e4])
    assert np.array_equal(p, [0.0, 1.0])


def test_round_trips_through_dict():
    calibrator = PlattCalibrator(slope=0.7, intercept=-0.3)
    assert PlattCalibrator.from_dict(calibrator.to_dict()) == calibrator


def test_from_dict_rejects_another_method():
    with pytest.raises(ValueError, match="calibrator method must be 'platt'"):
        PlattCalibrator.from_dict({"method": "isotonic"})


def test_fit_needs_both_classes():
    with pytest.raises(ValueError, match="must contain both classes"):
        PlattCalibrator.fit([0.1, 0.2], [0, 0])


def test_fit_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="same length"):
        PlattCalibrator.fit([0.1, 0.2], [0, 1, 1])


def test_cross_fitting_calibrates_each_fold_without_its_own_outcomes(distorted):
    margin, y = distorted
    fold = np.arange(margin.size) % 4
    honest = cross_fitted_probability(margin, y, fold)
    for k in range(4):
        rows = fold == k
        others = PlattCalibrator.fit(margin[~rows], y[~rows])
        np.testing.assert_allclose(honest[rows], others.probability(margin[rows]))


def test_brier_score_known_answer():
    assert brier_score([0, 1], [0.2, 0.6]) == pytest.approx((0.04 + 0.16) / 2)


def test_reliability_curve_of_calibrated_probabilities_follows_the_diagonal(distorted):
    margin, y = distorted
    curve = reliability_curve(y, PlattCalibrator.fit(margin, y).probability(margin), n_bins=10)
    assert sum(curve["count"]) == y.size
    np.testing.assert_allclose(curve["observed"], curve["predicted"], atol=0.03)


def test_reliability_curve_needs_two_bins():
    with pytest.raises(ValueError, match="n_bins must be at least 2"):
        reliability_curve([0, 1], [0.1, 0.9], n_bins=1)
