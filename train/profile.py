"""The reference profile of the training population, against which live traffic is compared (drift).

For the model's most important features by gain, and every raw field an advisor sees, the profile
holds bins and the share of training applications in each: deciles for continuous values, one bin per
value for categories and small counts, and a bin for missing values. The out-of-fold probability is
binned the same way (deciles), and the approval rate at the decision threshold is kept beside it.

`bin_shares` puts any values into a profile's bins: training uses it to write the shares, monitoring to
read live traffic the same way, so that the population stability index compares like with like.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ADVISOR_FIELDS", "MIN_PROFILED", "bin_shares", "build_profile", "profile_bins",
           "profiled_features"]

#: Raw application fields an advisor sees and types on the page, in reading order.
ADVISOR_FIELDS: tuple[str, ...] = (
    "NAME_CONTRACT_TYPE", "AMT_INCOME_TOTAL", "AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE",
    "NAME_INCOME_TYPE", "NAME_EDUCATION_TYPE", "NAME_HOUSING_TYPE", "OCCUPATION_TYPE",
    "ORGANIZATION_TYPE", "DAYS_BIRTH", "DAYS_EMPLOYED", "CNT_CHILDREN", "CNT_FAM_MEMBERS",
    "FLAG_OWN_CAR", "FLAG_OWN_REALTY", "CODE_GENDER", "NAME_FAMILY_STATUS", "EXT_SOURCE_1",
    "EXT_SOURCE_2", "EXT_SOURCE_3", "REGION_RATING_CLIENT",
)
#: Most important features (by total gain) profiled, besides the advisor's fields.
MIN_PROFILED = 30
#: A number column with at most this many distinct values gets one bin per value (counts, flags).
_MAX_LEVELS = 10
_DECILES = np.linspace(0.1, 0.9, 9)


def profile_bins(values: pd.Series) -> dict[str, Any]:
    """Return the bins of one feature, from its training values.

    Parameters
    ----------
    values : pd.Series
        The feature over the training applications (categorical or numeric, NaN for missing).

    Returns
    -------
    dict
        ``{"kind": "levels", "levels": [...]}`` (categories and small counts; values outside them fall
        in an ``other`` bin) or ``{"kind": "edges", "edges": [...]}`` (deciles: bin i holds the values
        in (edges[i-1], edges[i]], the first bin everything up to edges[0], the last everything
        above); both with a last ``missing`` bin.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        return {"kind": "levels", "levels": [str(level) for level in values.cat.categories]}
    numbers = values.to_numpy(dtype="float64", na_value=np.nan)
    present = numbers[~np.isnan(numbers)]
    distinct = np.unique(present)
    if len(distinct) <= _MAX_LEVELS:
        return {"kind": "levels", "levels": [float(v) for v in distinct]}
    return {"kind": "edges", "edges": [float(e) for e in np.unique(np.quantile(present, _DECILES))]}


def bin_shares(values: pd.Series | np.ndarray, bins: dict[str, Any]) -> np.ndarray:
    """Return the share of `values` in each bin of `bins` (see `profile_bins`), the missing bin last.

    Parameters
    ----------
    values : pd.Series or np.ndarray
        Values of the feature (categories as their labels), NaN or None for missing.
    bins : dict
        The feature's bins.

    Returns
    -------
    np.ndarray
        Shares summing to 1 (all zero for no values): one per level plus ``other``, or one per
        decile interval, then ``missing``.
    """
    series = pd.Series(values)
    missing = series.isna().to_numpy()
    if bins["kind"] == "levels":
        levels = bins["levels"]
        present = series[~missing]
        if levels and isinstance(levels[0], str):
            codes = pd.Categorical(present.astype(str), categories=levels).codes
        else:
            codes = pd.Categorical(present.astype("float64"), categories=levels).codes
        counts = np.bincount(np.where(codes < 0, len(levels), codes), minlength=len(levels) + 1)
    else:
        present = series[~missing].to_numpy(dtype="float64")
        counts = np.bincount(np.searchsorted(bins["edges"], present, side="left"),
                             minlength=len(bins["edges"]) + 1)
    counts = np.append(counts, missing.sum())
    total = counts.sum()
    return counts / total if total else counts.astype("float64")


def profiled_features(gain: pd.Series, columns: Sequence[str], *,
                      advisor_fields: Sequence[str] = ADVISOR_FIELDS, top: int = MIN_PROFILED) -> list[str]:
    """Return the features a profile holds: the `top` by `gain`, then the advisor fields among `columns`."""
    ranked = list(gain.sort_values(ascending=False, kind="stable").index[:top])
    return ranked + [name for name in advisor_fields if name in columns and name not in ranked]


def build_profile(features: pd.DataFrame, probability: np.ndarray, *, threshold: float,
                  gain: pd.Series, advisor_fields: Sequence[str] = ADVISOR_FIELDS,
                  top: int = MIN_PROFILED) -> dict[str, Any]:
    """Return the reference profile of the training population (plain JSON).

    Parameters
    ----------
    features : pd.DataFrame
        Model features of the training applications.
    probability : np.ndarray of shape (n_rows,)
        Out-of-fold calibrated probability of default of each application.
    threshold : float
        The decision threshold: an application is approved below it.
    gain : pd.Series
        Total gain of each feature in the final model.
    advisor_fields : sequence of str, default=ADVISOR_FIELDS
        Raw fields profiled whatever their gain (those among the features).
    top : int, default=MIN_PROFILED
        Features profiled by gain, most important first.

    Returns
    -------
    dict
        ``rows``, ``approval_rate``, ``score`` (bins and shares of the probability) and ``features``
        (name -> bins and shares), the features in order of gain.
    """
    if len(features) != len(probability):
        raise ValueError(f"probability has {len(probability)} values for {len(features)} applications")
    profiled = {}
    for name in profiled_features(gain, features.columns, advisor_fields=advisor_fields, top=top):
        bins = profile_bins(features[name])
        profiled[name] = {**bins, "shares": bin_shares(features[name], bins).tolist()}
    score_bins = profile_bins(pd.Series(probability))
    return {"rows": len(features), "threshold": float(threshold),
            "approval_rate": float(np.mean(probability < threshold)),
            "score": {**score_bins, "shares": bin_shares(probability, score_bins).tolist()},
            "features": profiled}
