"""Probability calibration by Platt scaling on the booster's raw log-odds, stored as two numbers.

Training with class weights inflates the predicted risk; a logistic fit of the outcome on the raw
margin, ``P(default) = 1 / (1 + exp(-(slope * margin + intercept)))``, maps it back. Being affine in
log-odds, it keeps the ranking (AUC) and lets SHAP values be rescaled exactly into calibrated log-odds.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["PlattCalibrator", "brier_score", "cross_fitted_probability", "reliability_curve"]

_MAX_NEWTON_STEPS = 100


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # tanh form never overflows


@dataclass(frozen=True)
class PlattCalibrator:
    """Logistic map from raw log-odds to a calibrated probability of default.

    Parameters
    ----------
    slope, intercept : float
        ``logit(P) = slope * margin + intercept``. ``PlattCalibrator()`` is the identity.
    """

    slope: float = 1.0
    intercept: float = 0.0

    @classmethod
    def fit(cls, margin: ArrayLike, y_true: ArrayLike) -> PlattCalibrator:
        """Fit slope and intercept by maximum likelihood (Newton's method).

        Parameters
        ----------
        margin : array-like of shape (n,)
            Raw booster output (log-odds).
        y_true : array-like of shape (n,)
            Outcomes, 1 = defaulted; both classes must be present.

        Raises
        ------
        ValueError
            If the shapes differ or one class is absent.
        """
        x = np.asarray(margin, dtype=np.float64)
        y = np.asarray(y_true, dtype=np.float64)
        if x.shape != y.shape or x.ndim != 1:
            raise ValueError(f"margin and y_true must be 1-D of the same length, got {x.shape} and {y.shape}")
        if not 0 < y.sum() < len(y):
            raise ValueError("y_true must contain both classes (0 = repaid, 1 = defaulted) to calibrate")
        design = np.column_stack([x, np.ones_like(x)])
        beta = np.array([1.0, 0.0])
        for _ in range(_MAX_NEWTON_STEPS):
            p = _sigmoid(design @ beta)
            gradient = design.T @ (y - p)
            hessian = (design * (p * (1 - p))[:, None]).T @ design + 1e-9 * np.eye(2)
            step = np.linalg.solve(hessian, gradient)
            beta = beta + step
            if np.max(np.abs(step)) < 1e-10:
                break
        return cls(slope=float(beta[0]), intercept=float(beta[1]))

    def log_odds(self, margin: ArrayLike) -> np.ndarray:
        """Return calibrated log-odds of default for raw margins."""
        return self.slope * np.asarray(margin, dtype=np.float64) + self.intercept

    def probability(self, margin: ArrayLike) -> np.ndarray:
        """Return calibrated probabilities of default for raw margins."""
        return _sigmoid(self.log_odds(margin))

    def to_dict(self) -> dict[str, float | str]:
        """Return the parameters as a JSON-ready dict (read back with :meth:`from_dict`)."""
        return {"method": "platt", **asdict(self)}

    @classmethod
    def from_dict(cls, params: dict) -> PlattCalibrator:
        """Rebuild a calibrator from :meth:`to_dict` output.

        Raises
        ------
        ValueError
            If the dict describes another calibration method.
        """
        if params.get("method") != "platt":
            raise ValueError(f"calibrator method must be 'platt', got {params.get('method')!r}")
        return cls(slope=float(params["slope"]), intercept=float(params["intercept"]))


def cross_fitted_probability(margin: ArrayLike, y_true: ArrayLike, fold: ArrayLike) -> np.ndarray:
    """Calibrate each fold's out-of-fold margins with a calibrator fitted on the other folds.

    This gives honest calibrated out-of-fold probabilities for the Brier score and reliability curve:
    no row is calibrated by a map that saw its own outcome.

    Parameters
    ----------
    margin, y_true, fold : array-like of shape (n,)
        Out-of-fold raw margins, outcomes and the fold number of each row.
    """
    x, y, f = (np.asarray(a) for a in (margin, y_true, fold))
    out = np.empty(len(x), dtype=np.float64)
    for k in np.unique(f):
        held_out = f == k
        out[held_out] = PlattCalibrator.fit(x[~held_out], y[~held_out]).probability(x[held_out])
    return out


def brier_score(y_true: ArrayLike, probability: ArrayLike) -> float:
    """Return the mean squared difference between probability and outcome (lower is better)."""
    y = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(probability, dtype=np.float64)
    return float(np.mean((p - y) ** 2))


def reliability_curve(y_true: ArrayLike, probability: ArrayLike, *,
                      n_bins: int = 10) -> dict[str, list[float]]:
    """Return predicted vs observed default rate in quantile bins of the probability.

    Parameters
    ----------
    n_bins : int, default=10
        Number of equal-count bins.

    Returns
    -------
    dict
        ``predicted`` (mean probability), ``observed`` (default rate) and ``count`` per bin.
    """
    if n_bins < 2:
        raise ValueError(f"n_bins must be at least 2, got {n_bins}")
    y = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(probability, dtype=np.float64)
    order = np.argsort(p, kind="stable")
    bins = [b for b in np.array_split(order, n_bins) if len(b)]
    return {
        "predicted": [float(p[b].mean()) for b in bins],
        "observed": [float(y[b].mean()) for b in bins],
        "count": [len(b) for b in bins],
    }
