"""Credit score in points, from a probability of default, by points-to-double-the-odds scaling.

The score is linear in the log-odds of repaying: ``points = offset + factor * ln(odds good:bad)``
with ``factor = PDO / ln 2`` and ``offset = BASE_POINTS - factor * ln(BASE_ODDS)``. With the constants
below, odds of 50:1 (probability of default 1/51, about 2%) score 600 points, and every 20 points more
doubles the odds of repaying: 620 points means 100:1, 580 points 25:1.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["Scorecard"]

#: Probabilities are clipped away from 0 and 1 so that every score is finite.
_EPSILON = 1e-6


@dataclass(frozen=True)
class Scorecard:
    """Points scaling of a probability of default.

    Parameters
    ----------
    base_points : float, default=600
        Score given at the base odds.
    base_odds : float, default=50
        Odds good:bad (repaid:defaulted) that score `base_points`.
    points_to_double_odds : float, default=20
        Points added each time the odds good:bad double (PDO).
    """

    base_points: float = 600.0
    base_odds: float = 50.0
    points_to_double_odds: float = 20.0

    def __post_init__(self) -> None:
        if self.base_odds <= 0:
            raise ValueError(f"base_odds must be > 0 (odds good:bad), got {self.base_odds}")
        if self.points_to_double_odds <= 0:
            raise ValueError(f"points_to_double_odds must be > 0, got {self.points_to_double_odds}")

    @property
    def factor(self) -> float:
        """float: points per unit of natural log-odds."""
        return self.points_to_double_odds / math.log(2)

    @property
    def offset(self) -> float:
        """float: score at odds 1:1."""
        return self.base_points - self.factor * math.log(self.base_odds)

    def points(self, probability: ArrayLike) -> np.ndarray:
        """Return the score in whole points for each probability of default.

        Parameters
        ----------
        probability : array-like of shape (n,)
            Calibrated probabilities of default, in [0, 1].

        Returns
        -------
        np.ndarray of int64, shape (n,)
            Higher is safer.

        Raises
        ------
        ValueError
            If a probability lies outside [0, 1] or is missing.
        """
        p = np.asarray(probability, dtype=np.float64)
        if not np.all((p >= 0) & (p <= 1)):
            raise ValueError("probability must lie in [0, 1] with no missing values")
        p = np.clip(p, _EPSILON, 1 - _EPSILON)
        return np.rint(self.offset + self.factor * np.log((1 - p) / p)).astype(np.int64)

    def to_dict(self) -> dict[str, float]:
        """Return the constants as a JSON-ready dict (read back with ``Scorecard(**d)``)."""
        return asdict(self)
