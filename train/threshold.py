"""The decision threshold that minimises the expected business cost, and the cost curve behind it.

An application is refused when its calibrated probability of default is at or above the threshold.
A refused client who would have repaid costs ``cost_false_positive`` (lost margin); an accepted client
who defaults costs ``cost_false_negative`` (lost capital). Costs are reported per 1,000 applications.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["CostMatrix", "cost_curve", "cost_per_thousand", "optimal_threshold"]


@dataclass(frozen=True)
class CostMatrix:
    """Cost of each kind of wrong decision, in any consistent unit.

    Parameters
    ----------
    false_negative : float
        Cost of accepting a client who defaults.
    false_positive : float
        Cost of refusing a client who would have repaid.
    """

    false_negative: float = 10.0
    false_positive: float = 1.0

    def __post_init__(self) -> None:
        for name in ("false_negative", "false_positive"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"cost of a {name.replace('_', ' ')} must be >= 0, "
                                 f"got {getattr(self, name)}")
        if self.false_negative + self.false_positive == 0:
            raise ValueError("at least one of the two costs must be > 0, or every threshold is equally good")


def _check(y_true: ArrayLike, probability: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true)
    p = np.asarray(probability, dtype=np.float64)
    if y.shape != p.shape or y.ndim != 1:
        raise ValueError(f"y_true and probability must be 1-D of the same length, "
                         f"got {y.shape} and {p.shape}")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("y_true must hold only 0 (repaid) and 1 (defaulted)")
    if not np.all((p >= 0) & (p <= 1)):
        raise ValueError("probability must lie in [0, 1] with no missing values")
    return y.astype(np.int8), p


def cost_per_thousand(y_true: ArrayLike, probability: ArrayLike, threshold: float, *,
                      costs: CostMatrix) -> float:
    """Return the expected cost per 1,000 applications when refusing ``probability >= threshold``.

    A threshold above 1 accepts everyone; a threshold of 0 refuses everyone.
    """
    y, p = _check(y_true, probability)
    refused = p >= threshold
    false_negatives = np.sum(~refused & (y == 1))
    false_positives = np.sum(refused & (y == 0))
    total = costs.false_negative * false_negatives + costs.false_positive * false_positives
    return float(1000 * total / len(y))


def cost_curve(y_true: ArrayLike, probability: ArrayLike, *,
               costs: CostMatrix) -> tuple[np.ndarray, np.ndarray]:
    """Return the cost per 1,000 applications at every threshold where a decision changes.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Outcomes, 1 = defaulted.
    probability : array-like of shape (n,)
        Calibrated probabilities of default.
    costs : CostMatrix
        The cost of each wrong decision.

    Returns
    -------
    thresholds : np.ndarray of shape (m,)
        The distinct probabilities in increasing order, then ``inf`` (accept everyone).
    cost : np.ndarray of shape (m,)
        Cost per 1,000 applications when refusing ``probability >= threshold``.
    """
    y, p = _check(y_true, probability)
    order = np.argsort(p, kind="stable")
    p_sorted, y_sorted = p[order], y[order]
    thresholds, first = np.unique(p_sorted, return_index=True)
    # Refusing p >= thresholds[i] accepts exactly the first[i] lowest-scored applications.
    defaults_below = np.concatenate(([0], np.cumsum(y_sorted)))
    accepted = np.append(first, len(y))
    false_negatives = defaults_below[accepted]
    false_positives = (len(y) - accepted) - (defaults_below[-1] - false_negatives)
    total = costs.false_negative * false_negatives + costs.false_positive * false_positives
    return np.append(thresholds, np.inf), 1000 * total / len(y)


def optimal_threshold(y_true: ArrayLike, probability: ArrayLike, *, costs: CostMatrix) -> tuple[float, float]:
    """Return the threshold with the lowest expected cost and that cost per 1,000 applications.

    Every threshold where a decision changes is tried, so the result is the exact minimum on these
    predictions. Among equal costs the lowest threshold wins. When accepting everyone is cheapest the
    threshold is 1.0 plus the smallest step (no probability reaches it).

    Returns
    -------
    threshold : float
        Refuse when the probability of default is at or above it.
    cost : float
        Expected cost per 1,000 applications at that threshold.
    """
    thresholds, cost = cost_curve(y_true, probability, costs=costs)
    best = int(np.argmin(cost))
    threshold = float(thresholds[best]) if np.isfinite(thresholds[best]) else float(np.nextafter(1.0, 2.0))
    return threshold, float(cost[best])
