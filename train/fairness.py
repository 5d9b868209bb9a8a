"""Decisions compared across groups of applicants: gender and age band.

For each group: how many applications, the observed default rate, the approval rate, the recall
(share of defaulters refused) and the false-positive rate (share of good payers refused). For each
metric the ratio of the lowest to the highest group value is given (1 = parity; the "four-fifths
rule" flags approval-rate ratios below 0.8). Groups smaller than `min_group` are listed without ratios.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

__all__ = ["AGE_BANDS", "age_band", "fairness_table"]

#: Ages (years) where a new band starts: "<25", "25-34", ..., "65+".
AGE_BANDS: tuple[int, ...] = (25, 35, 45, 55, 65)
_METRICS = ("approval_rate", "recall", "false_positive_rate")


def age_band(days_birth: pd.Series) -> pd.Series:
    """Return the age band ("25-34", "65+", ...) of each DAYS_BIRTH (days before application, negative)."""
    years = -days_birth.astype("float64") / 365.25
    labels = [f"<{AGE_BANDS[0]}"]
    labels += [f"{lo}-{hi - 1}" for lo, hi in itertools.pairwise(AGE_BANDS)]
    labels.append(f"{AGE_BANDS[-1]}+")
    return pd.cut(years, bins=[-np.inf, *AGE_BANDS, np.inf], labels=labels, right=False)


def _group_metrics(y: np.ndarray, refused: np.ndarray) -> dict[str, float | int | None]:
    defaulters, payers = y == 1, y == 0
    return {
        "n": len(y),
        "default_rate": float(y.mean()),
        "approval_rate": float(1 - refused.mean()),
        "recall": float(refused[defaulters].mean()) if defaulters.any() else None,
        "false_positive_rate": float(refused[payers].mean()) if payers.any() else None,
    }


def fairness_table(groups: pd.Series, y_true: np.ndarray, probability: np.ndarray, *, threshold: float,
                   min_group: int = 30) -> dict[str, object]:
    """Return per-group decision metrics and min/max ratios between groups for one attribute.

    Parameters
    ----------
    groups : pd.Series of shape (n,)
        Group of each application (missing values form the group "missing").
    y_true, probability : np.ndarray of shape (n,)
        Outcomes and calibrated out-of-fold probabilities of default.
    threshold : float
        Refuse when probability >= threshold.
    min_group : int, default=30
        Groups with fewer applications are reported but left out of the ratios.

    Returns
    -------
    dict
        ``groups``: list of per-group dicts; ``ratios``: min/max ratio of each metric.
    """
    if not len(groups) == len(y_true) == len(probability):
        raise ValueError(f"groups, y_true and probability differ in length: "
                         f"{len(groups)}, {len(y_true)}, {len(probability)}")
    labels = groups.astype("object").where(groups.notna(), "missing").to_numpy()
    y = np.asarray(y_true)
    refused = np.asarray(probability) >= threshold
    # Categories keep their own order (age bands youngest first); other groups sort by name.
    order = [str(c) for c in groups.cat.categories] if isinstance(groups.dtype, pd.CategoricalDtype) else []
    present = sorted(set(labels), key=lambda g: (order.index(g) if g in order else len(order), str(g)))
    rows = [{"group": str(g), **_group_metrics(y[labels == g], refused[labels == g])} for g in present]
    ratios: dict[str, float | None] = {}
    for metric in _METRICS:
        values = [r[metric] for r in rows if r["n"] >= min_group and r[metric] is not None]
        ratios[metric] = float(min(values) / max(values)) if len(values) > 1 and max(values) > 0 else None
    return {"groups": rows, "ratios": ratios}
