"""Vectorised random draws shared by the synthetic table generators.

Every generator builds its table as a dict of numpy arrays (``Columns``): category columns hold codes
into the schema's levels (-1 = missing), number columns float64 with NaN for missing, keys integers.
`to_frame` turns such a dict into a frame with the schema's dtypes. Nothing here loops over clients
or rows in Python.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache

import numpy as np
import pandas as pd
from scipy.special import ndtr

from features.schema import Column, Kind, Table

__all__ = [
    "Columns",
    "category",
    "codes_of",
    "from_quantiles",
    "from_weights",
    "group_positions",
    "leaning_normal",
    "leaning_uniform",
    "normal_cdf",
    "round_to",
    "skewed_counts",
    "to_frame",
]

#: A table under construction: column name -> array (see the module docstring).
Columns = dict[str, np.ndarray]

#: Probability levels at which the calibration quantile tables are given (25 points, denser in the
#: tails so that skewed marginals keep their shape).
QUANTILE_LEVELS = np.array([0, .01, .025, .05, .1, .15, .2, .25, .3, .35, .4, .45, .5, .55, .6, .65, .7,
                            .75, .8, .85, .9, .95, .975, .99, 1])


def category(rng: np.random.Generator, column: Column, weights: Mapping[str, float], size: int, *,
             latent: np.ndarray | None = None, strength: float = 0.0) -> np.ndarray:
    """Draw `size` codes of `column`'s levels with the given relative weights.

    With a `latent` score, the draw leans towards the levels listed last for high scores (the
    frequencies stay those given): list levels from "low score" to "high score".

    Parameters
    ----------
    rng : np.random.Generator
    column : Column
        A category column of the schema; codes index its ``categories``.
    weights : mapping of str to float
        Relative frequency of each level drawn (levels left out are never drawn). Every key must be
        one of the column's levels.
    size : int
    latent : np.ndarray of shape (size,), optional (default=None)
        Standard-normal score the draw depends on.
    strength : float, default=0.0
        Correlation, in [0, 1), between `latent` and the normal score behind the draw.

    Returns
    -------
    np.ndarray of int16, shape (size,)
    """
    codes, probs = _weights(column, tuple(weights.items()))
    return codes[np.searchsorted(probs, leaning_uniform(rng, latent, strength, size), side="right")]


def leaning_uniform(rng: np.random.Generator, latent: np.ndarray | None, strength: float,
                    size: int) -> np.ndarray:
    """Uniform(0, 1) draws whose normal scores have correlation `strength` with `latent`."""
    if latent is None or strength == 0:
        return rng.random(size)
    return normal_cdf(leaning_normal(rng, latent, strength, size))


def leaning_normal(rng: np.random.Generator, latent: np.ndarray, strength: float, size: int) -> np.ndarray:
    """Standard normal draws with correlation `strength` with the standard normal `latent`."""
    return strength * latent + np.sqrt(1 - strength**2) * rng.standard_normal(size)


@cache
def _weights(column: Column, items: tuple[tuple[str, float], ...]) -> tuple[np.ndarray, np.ndarray]:
    return codes_of(column, [level for level, _ in items]), _cumulative([w for _, w in items])


def _cumulative(weights: Sequence[float]) -> np.ndarray:
    """Return the upper bounds of each choice's share of [0, 1), for ``np.searchsorted(side="right")``."""
    cumulative = np.cumsum(weights, dtype=np.float64)
    cumulative /= cumulative[-1]
    cumulative[-1] = np.inf  # a uniform draw of exactly 1.0 - eps still lands on the last level
    return cumulative


def from_weights(u: np.ndarray, weights: Mapping[float, float]) -> np.ndarray:
    """Map uniforms `u` in [0, 1] to the values of a discrete distribution (value -> relative frequency)."""
    values = np.array(list(weights), dtype=np.float64)
    return values[np.searchsorted(_cumulative(list(weights.values())), u, side="right")]


def codes_of(column: Column, levels: list[str] | tuple[str, ...]) -> np.ndarray:
    """Return the codes of `levels` in `column`; raise if one is not a schema level (a calibration bug)."""
    index = {level: i for i, level in enumerate(column.categories)}
    unknown = [level for level in levels if level not in index]
    assert not unknown, f"levels {unknown} are not in the schema of {column.name}: this is a bug"
    return np.array([index[level] for level in levels], dtype=np.int16)


def normal_cdf(z: np.ndarray) -> np.ndarray:
    """Standard normal CDF, elementwise."""
    return ndtr(z)


def from_quantiles(u: np.ndarray, quantiles: tuple[float, ...]) -> np.ndarray:
    """Map uniforms `u` in [0, 1] through a quantile table given at `QUANTILE_LEVELS` (inverse CDF)."""
    return np.interp(u, QUANTILE_LEVELS, quantiles)


def round_to(values: np.ndarray, step: float) -> np.ndarray:
    """Round to the nearest multiple of `step` (amounts come in round figures in the real files)."""
    return np.round(values / step) * step


def skewed_counts(rng: np.random.Generator, mean: np.ndarray, *, dispersion: float) -> np.ndarray:
    """Negative-binomial counts with the given means: many small counts and a long tail.

    Parameters
    ----------
    rng : np.random.Generator
    mean : np.ndarray
        Expected count of each draw.
    dispersion : float
        Gamma shape; smaller means a longer tail (variance = mean + mean**2 / dispersion).

    Returns
    -------
    np.ndarray of int64
    """
    rate = rng.gamma(dispersion, 1.0 / dispersion, size=mean.shape) * mean
    return rng.poisson(rate)


def group_positions(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expand per-parent row counts into per-row (parent index, position within the parent).

    Returns
    -------
    owner : np.ndarray of int64, shape (counts.sum(),)
        Index of the parent of each row; rows of a parent are consecutive.
    position : np.ndarray of int64, shape (counts.sum(),)
        0 for the parent's first row, 1 for its second, ...
    """
    owner = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return owner, np.arange(len(owner)) - starts[owner]


def to_frame(table: Table, columns: Columns) -> pd.DataFrame:
    """Build `table`'s frame from generated arrays, with the schema's column order and dtypes.

    Raises
    ------
    AssertionError
        If a generator left out a column (a bug in the generator).
    """
    missing = [c.name for c in table.columns if c.name not in columns]
    assert not missing, f"generator of {table.name} left out {missing}: this is a bug"
    return pd.DataFrame({c.name: _as_dtype(c, columns[c.name]) for c in table.columns}, copy=False)


def _as_dtype(column: Column, values: np.ndarray) -> np.ndarray | pd.Categorical:
    if column.kind is Kind.CATEGORY:
        return pd.Categorical.from_codes(values, dtype=_category_dtype(column))
    if column.kind is Kind.NUMBER and column.written_as_int:
        assert not np.isnan(values).any(), f"{column.name} is written as int and may not be missing: a bug"
    return values.astype(column.dtype, copy=False)


@cache
def _category_dtype(column: Column) -> pd.CategoricalDtype:
    return pd.CategoricalDtype(list(column.categories))
