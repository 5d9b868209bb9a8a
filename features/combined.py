"""Features that set the client's history against the application: debt and repayments to income.

Computed row by row from the assembled application and history features of the same client, so
they depend on nobody else and are identical on both paths.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from features.aggregate import FeatureInfo, ratio, row_total
from features.labels import labels

__all__ = ["FAMILY", "INPUTS", "combined_features", "descriptions"]

FAMILY = "combined"

#: name -> (description, numerator features, denominator features): sum of numerators over sum of
#: denominators, the sums missing only when every term is.
_RATIOS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "BUREAU_DEBT_TO_INCOME": ("Current debt on active bureau credits divided by annual income",
                              ("BURO_ACTIVE_AMT_CREDIT_SUM_DEBT_SUM",), ("AMT_INCOME_TOTAL",)),
    "BUREAU_DEBT_TO_CREDIT": ("Current debt on active bureau credits divided by the credit asked for",
                              ("BURO_ACTIVE_AMT_CREDIT_SUM_DEBT_SUM",), ("AMT_CREDIT",)),
    "RUNNING_ANNUITY_TO_INCOME": (
        "Yearly repayments of running Home Credit loans and of this loan, divided by annual income",
        ("PREV_RUNNING_AMT_ANNUITY_SUM", "AMT_ANNUITY"), ("AMT_INCOME_TOTAL",)),
    "CREDIT_TO_PREVIOUS_CREDIT": ("Credit asked for divided by the average amount granted before",
                                  ("AMT_CREDIT",), ("PREV_AMT_CREDIT_MEAN",)),
    "ANNUITY_TO_LAST_YEAR_PAYMENTS": (
        "Yearly repayment of this loan divided by the instalments paid in the last year",
        ("AMT_ANNUITY",), ("INSTAL_L12M_AMT_PAYMENT_SUM",)),
    "CARD_BALANCE_TO_INCOME": ("Average credit card balance over the last 12 months divided by annual income",
                               ("CC_L12M_AMT_BALANCE_MEAN",), ("AMT_INCOME_TOTAL",)),
}
#: The application and history features the combined features read.
INPUTS: tuple[str, ...] = tuple(dict.fromkeys(
    name for _, numerator, denominator in _RATIOS.values() for name in (*numerator, *denominator)))


def descriptions(sources: dict[str, FeatureInfo]) -> dict[str, FeatureInfo]:
    """Return name -> :class:`FeatureInfo` for every combined feature, in output order.

    Parameters
    ----------
    sources : dict of str to FeatureInfo
        The catalogue of the features they combine, whose raw sources they inherit.
    """
    return {name: FeatureInfo(name, text, FAMILY, tuple(dict.fromkeys(
                s for feature in (*numerator, *denominator) for s in sources[feature].sources)))
            for name, (text, numerator, denominator) in _RATIOS.items()}


def combined_features(features: Mapping[str, np.ndarray | pd.Series]) -> pd.DataFrame:
    """Return the combined features of each row of `features` (application + history features).

    Parameters
    ----------
    features : mapping of str to array
        At least the features of :data:`INPUTS`, by name, each one value per row (a feature frame, or
        its columns).

    Returns
    -------
    pd.DataFrame
        One row per row of `features`, RangeIndex, one float32 column per combined feature.
    """
    values = [ratio(_total(features, numerator), _total(features, denominator))
              for _, numerator, denominator in _RATIOS.values()]
    rows = len(features[INPUTS[0]])
    return pd.DataFrame(np.column_stack(values).reshape(rows, len(_RATIOS)), columns=labels(_RATIOS))


def _total(features: Mapping[str, np.ndarray | pd.Series], names: tuple[str, ...]) -> np.ndarray:
    """Sum of the named features per row; missing only when all of them are."""
    return row_total(np.column_stack([np.asarray(features[name], dtype=np.float64) for name in names]))
