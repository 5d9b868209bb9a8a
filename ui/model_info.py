"""What the page shows about the model: threshold, score scale, card, metrics, importance, reference.

`ModelInfo` is a plain record so that the page never holds the booster: the service builds it once
from its `train.bundle.ModelBundle` with :meth:`ModelInfo.from_bundle`, tests may build it from the
same JSON contract directly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["ModelInfo", "logistic"]


def logistic(log_odds: float) -> float:
    """Return the probability of a log-odds value (the inverse of the logit)."""
    return 1.0 / (1.0 + math.exp(-log_odds))


@dataclass(frozen=True)
class ModelInfo:
    """The model facts shown on the page.

    Parameters
    ----------
    version : str
        Model tag, e.g. ``"credit_scoring:abc123"``.
    threshold : float
        Probability of default at or above which an application is refused.
    threshold_points : int
        The score in points at the threshold: a score above it is approved.
    model_card : str
        Markdown.
    metrics : dict
        Training metrics (JSON-ready).
    reference : dict
        Reference statistics of the training population (`train.reference.reference_statistics`).
    importance : dict of str to float, optional
        Global importance per feature (mean |SHAP| in log-odds), largest first; training saves the
        top features in ``metrics["importance"]``.
    costs : dict of str to float, optional
        ``false_negative`` and ``false_positive`` costs behind the threshold.
    """

    version: str
    threshold: float
    threshold_points: int
    model_card: str
    metrics: dict[str, Any]
    reference: dict[str, Any]
    importance: dict[str, float] = field(default_factory=dict)
    costs: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_bundle(cls, bundle: Any) -> ModelInfo:
        """Collect the page's facts from a `train.bundle.ModelBundle`."""
        return cls(
            version=bundle.version,
            threshold=float(bundle.threshold),
            threshold_points=int(np.asarray(bundle.score_points([bundle.threshold])).ravel()[0]),
            model_card=bundle.model_card,
            metrics=bundle.metrics,
            reference=bundle.reference,
            importance={name: float(value) for name, value in bundle.metrics["importance"].items()},
            costs={"false_negative": float(bundle.cost_false_negative),
                   "false_positive": float(bundle.cost_false_positive)},
        )

    def reference_feature(self, name: str) -> dict[str, Any]:
        """Return the reference statistics of one feature.

        Raises
        ------
        KeyError
            If the feature has no reference statistics; the message lists those that have.
        """
        described = self.reference["features"]
        if name not in described:
            raise KeyError(f"no reference statistics for feature {name!r}; "
                           f"available: {', '.join(described)}")
        return described[name]

    def numeric_features(self) -> list[str]:
        """Return the reference features that are numbers (the scatter plot's choices)."""
        return [n for n in self.reference["columns"] if self.reference["features"][n]["kind"] == "number"]
