"""Reason codes: the few features that moved one application's risk most, in words an advisor can read.

A reason is a feature with a large SHAP contribution, written as "<what it is>: <the client's value>
(typical: <training median>)". Reasons never cite protected attributes - gender, age, family status
and family composition - nor any feature derived from them (found through each feature's raw sources
in ``features.descriptions``), even when the model uses them: an advisor must never tell a client
that their age or marital status counted against them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from features.descriptions import feature_info

__all__ = ["MAX_REASONS", "PROTECTED_SOURCES", "ReasonWriter", "is_protected"]

#: Most reasons given on each side (against the application, in its favour).
MAX_REASONS = 4

#: Raw fields whose use as a reason would be discrimination: the reason for nothing derived from
#: them either. CNT_CHILDREN and CNT_FAM_MEMBERS describe family composition, part of family status.
PROTECTED_SOURCES: frozenset[str] = frozenset(
    f"application_train.{name}"
    for name in ("CODE_GENDER", "DAYS_BIRTH", "NAME_FAMILY_STATUS", "CNT_CHILDREN", "CNT_FAM_MEMBERS"))


def is_protected(feature: str) -> bool:
    """Return whether the model feature `feature` reads a protected raw field."""
    return not PROTECTED_SOURCES.isdisjoint(feature_info(feature).sources)


def _number_text(value: float) -> str:
    # Whole or large numbers with thousands separators, others to three significant digits, never in
    # scientific notation (an advisor reads them aloud).
    if value == int(value) or abs(value) >= 1000:
        return f"{round(value):,}"
    return f"{value:.3g}" if abs(value) >= 1e-3 else f"{value:.6f}".rstrip("0")


def value_text(value: float | str | None) -> str:
    """Return a feature value as an advisor reads it: missing -> "not given", numbers rounded."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "not given"
    if isinstance(value, str):
        return value
    return _number_text(float(value))


class ReasonWriter:
    """Writes the reasons for and against applications, for one model's features.

    Parameters
    ----------
    feature_names : sequence of str
        The model's features, in the column order of the contributions.
    labels : mapping of str to str
        Plain-language label of each feature.
    medians : mapping of str to float, optional
        Training median of some numeric features, quoted as the typical value.
    """

    def __init__(self, feature_names: Sequence[str], labels: Mapping[str, str], *,
                 medians: Mapping[str, float] | None = None) -> None:
        self._names = list(feature_names)
        self._labels = labels
        self._medians = dict(medians or {})
        self._eligible = np.array([not is_protected(name) for name in self._names])

    def reasons(self, shap: np.ndarray, values: Sequence[float | str | None]) -> tuple[list[str], list[str]]:
        """Return (reasons against, reasons in favour) of one application, strongest first.

        Parameters
        ----------
        shap : np.ndarray of shape (n_features,)
            The application's contributions (> 0 raises the risk).
        values : sequence
            The application's feature values, in the same order.
        """
        order = np.argsort(-np.abs(shap), kind="stable")
        order = order[self._eligible[order]]
        against = [i for i in order if shap[i] > 0][:MAX_REASONS]
        favour = [i for i in order if shap[i] < 0][:MAX_REASONS]
        return self._texts(against, values), self._texts(favour, values)

    def _texts(self, positions: Iterable[int], values: Sequence[float | str | None]) -> list[str]:
        texts = []
        for i in positions:
            name = self._names[i]
            text = f"{self._labels[name]}: {value_text(values[i])}"
            median = self._medians.get(name)
            if median is not None and values[i] is not None:
                text += f" (typical: {value_text(median)})"
            texts.append(text)
        return texts
