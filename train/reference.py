"""Reference statistics of the training population, for the UI's comparisons and for drift checks.

For each chosen feature: quantiles, the share missing, and histograms of repaid and defaulted clients
over shared bin edges (numbers) or levels (categories). Also the distribution of the out-of-fold
probability by outcome, and a seeded sample of rows with TARGET for scatter plots. Everything is plain
JSON: numbers, strings and ``null`` for missing values.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from features.schema import table

__all__ = ["KEY_RAW_FIELDS", "QUANTILES", "reference_columns", "reference_statistics"]

#: Raw application fields that advisors know, kept in the reference whatever their importance.
KEY_RAW_FIELDS: tuple[str, ...] = tuple(table("application_train").column(name).name for name in (
    "AMT_INCOME_TOTAL", "AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE", "DAYS_BIRTH", "DAYS_EMPLOYED",
    "EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3", "CODE_GENDER", "NAME_INCOME_TYPE",
    "NAME_EDUCATION_TYPE"))
QUANTILES: tuple[float, ...] = (0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0)


def _json_number(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def reference_columns(importance: pd.Series, available: pd.Index, *, top: int = 20) -> list[str]:
    """Return the `top` most important features, then the key raw fields present in `available`."""
    chosen = list(importance.index[:top])
    chosen += [name for name in KEY_RAW_FIELDS if name in available and name not in chosen]
    return chosen


def _numeric_stats(values: pd.Series, y: np.ndarray, n_bins: int) -> dict[str, object]:
    x = values.to_numpy(dtype="float64", na_value=np.nan)
    present = ~np.isnan(x)
    stats: dict[str, object] = {"kind": "number", "missing_share": float(1 - present.mean())}
    if not present.any():
        return {**stats, "quantiles": {}, "bin_edges": [], "repaid": [], "defaulted": []}
    quantiles = np.quantile(x[present], QUANTILES)
    # Bins span the 1st-99th percentiles so that outliers do not squash the histogram; values beyond
    # them are counted in the end bins.
    low, high = quantiles[1], quantiles[-2]
    if high <= low:
        low, high = quantiles[0], quantiles[-1] if quantiles[-1] > quantiles[0] else quantiles[0] + 1
    edges = np.linspace(low, high, n_bins + 1)
    index = np.clip(np.searchsorted(edges, x[present], side="right") - 1, 0, n_bins - 1)
    counts = {label: np.bincount(index[y[present] == outcome], minlength=n_bins).tolist()
              for label, outcome in (("repaid", 0), ("defaulted", 1))}
    return {**stats, "quantiles": {str(q): float(v) for q, v in zip(QUANTILES, quantiles, strict=True)},
            "mean": float(x[present].mean()), "bin_edges": edges.tolist(), **counts}


def _category_stats(values: pd.Series, y: np.ndarray) -> dict[str, object]:
    levels = [str(level) for level in values.cat.categories]
    codes = values.cat.codes.to_numpy()
    counts = {label: np.bincount(codes[(y == outcome) & (codes >= 0)], minlength=len(levels)).tolist()
              for label, outcome in (("repaid", 0), ("defaulted", 1))}
    return {"kind": "category", "missing_share": float((codes < 0).mean()), "levels": levels, **counts}


def _sample(features: pd.DataFrame, y: np.ndarray, columns: list[str], size: int,
            seed: int) -> dict[str, list]:
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(features), size=min(size, len(features)), replace=False))
    sample: dict[str, list] = {"SK_ID_CURR": [int(i) for i in features.index[rows]],
                               "TARGET": [int(v) for v in y[rows]]}
    for name in columns:
        column = features[name].iloc[rows]
        if isinstance(column.dtype, pd.CategoricalDtype):
            sample[name] = [None if pd.isna(v) else str(v) for v in column]
        else:
            sample[name] = [_json_number(v) for v in column.to_numpy(dtype="float64", na_value=np.nan)]
    return sample


def reference_statistics(features: pd.DataFrame, target: np.ndarray, *, columns: list[str],
                         probability: np.ndarray, n_bins: int = 20, sample_size: int = 2000,
                         seed: int = 0) -> dict[str, object]:
    """Return the reference statistics of the training population as a JSON-ready dict.

    Parameters
    ----------
    features : pd.DataFrame
        Training features, index SK_ID_CURR.
    target : np.ndarray of shape (n,)
        1 = defaulted.
    columns : list of str
        Features to describe (see :func:`reference_columns`).
    probability : np.ndarray of shape (n,)
        Calibrated out-of-fold probabilities of default.
    n_bins : int, default=20
        Histogram bins per numeric feature.
    sample_size : int, default=2000
        Rows in the scatter-plot sample.
    seed : int, default=0
        Seed of the sample.

    Raises
    ------
    ValueError
        If a column is not a feature or the lengths differ.
    """
    unknown = [name for name in columns if name not in features.columns]
    if unknown:
        raise ValueError(f"reference columns {unknown} are not features of the model")
    if not len(features) == len(target) == len(probability):
        raise ValueError("features, target and probability must have one entry per application")
    y = np.asarray(target)
    described = {
        name: _category_stats(features[name], y) if isinstance(features[name].dtype, pd.CategoricalDtype)
        else _numeric_stats(features[name], y, n_bins)
        for name in columns
    }
    return {
        "rows": len(y),
        "default_rate": float(y.mean()),
        "columns": columns,
        "features": described,
        "probability": _numeric_stats(pd.Series(probability), y, n_bins),
        "sample": _sample(features, y, columns, sample_size, seed),
    }
