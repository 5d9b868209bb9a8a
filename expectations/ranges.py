"""The range expectations of a suite, compiled into one "long" frame that one GX expectation checks.

Great Expectations costs a few milliseconds per expectation per call whatever the rows, and the
service's suite is mostly one ``expect_column_values_to_be_between`` per number column. Here the
ranges are melted into a frame with one row per (application row, checked value) that holds the
value's ``slack``, its distance to the nearer bound of its range (negative outside); GX then checks
``slack >= 0``, so a batch costs one expectation instead of one per column. The long rows reproduce
exactly what each range expectation would check: missing values are left out (GX skips them), rows
excluded by the expectation's ``row_condition`` (the "not applicable" placeholder) are left out, a
missing bound is infinite, and values are compared in float64 (GX compares a ``float32`` column
value by value as Python floats; a difference of two floats is negative exactly when the first is
the smaller).
Ranges this cannot reproduce exactly (``mostly``, strict bounds, other condition parsers) are not
compiled: :func:`compilable` says which are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import great_expectations as gx
import numpy as np
import pandas as pd
from great_expectations.compatibility import pydantic
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

from features.labels import labels

__all__ = ["LONG_EXPECTATION", "RANGE_TYPE", "ExpectSlackToBeAtLeastZero", "LongFrame", "RangeChecks",
           "compilable"]

RANGE_TYPE = "expect_column_values_to_be_between"
#: The row condition of a placeholder excluded from its range (see `_condition_rows`).
_EXCLUDED_VALUE = re.compile(r"(\w+) != (-?\d+)")
#: A range with any other keyword (mostly, strict_min, result_format, ...) runs as GX runs it.
_PLAIN_KWARGS = {"column", "min_value", "max_value", "row_condition", "condition_parser"}


class ExpectSlackToBeAtLeastZero(gx.expectations.ExpectColumnValuesToBeBetween):
    """``expect_column_values_to_be_between`` whose configuration is built once, its fields fixed.

    GX rebuilds an expectation's configuration (a pydantic serialisation) each time it reads it, about
    a hundred times per validation: 1.2 of the 3.8 ms of GX's call on a batch. Its fields cannot be
    changed after construction (``allow_mutation``), so the configuration built the first time stays
    true; GX works on deep copies of it.
    """

    _configuration: ExpectationConfiguration | None = pydantic.PrivateAttr(default=None)

    class Config:
        allow_mutation = False

    @property
    def configuration(self) -> ExpectationConfiguration:
        if self._configuration is None:
            self._configuration = super().configuration
        return self._configuration


#: What GX checks on the long frame: each value within its own range (one expectation: GX's cost is
#: per expectation, and two comparisons against per-row bounds cost twice one against zero).
LONG_EXPECTATION = ExpectSlackToBeAtLeastZero(column="slack", min_value=0)


def compilable(expectation: ExpectationConfiguration) -> bool:
    """Return whether `expectation` is a range that the long frame checks exactly as GX would."""
    kwargs = expectation.kwargs
    if expectation.type != RANGE_TYPE or not set(kwargs) <= _PLAIN_KWARGS:
        return False
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    bounds = [b for b in (low, high) if b is not None]
    numbers = all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds)
    # both bounds missing or crossed make GX raise; it keeps reporting that itself
    if not numbers or (low is None and high is None) or (None not in (low, high) and low > high):
        return False
    condition = kwargs.get("row_condition")
    return (condition is None or _pass_through(condition) is not None
            or (isinstance(condition, str) and kwargs.get("condition_parser") == "pandas"))


@dataclass(frozen=True)
class LongFrame:
    """A batch melted for the compiled ranges.

    Attributes
    ----------
    frame : pd.DataFrame
        One column, ``slack`` (float64): each checked value's distance to the nearer bound of its
        range, 0 on a bound, negative outside; one row per checked value, RangeIndex.
    rows : np.ndarray
        The batch row (position) of each long row.
    checks : np.ndarray
        The position, in :attr:`RangeChecks.expectations`, of the range each long row comes from.
    """

    frame: pd.DataFrame
    rows: np.ndarray
    checks: np.ndarray


class RangeChecks:
    """Melts batches for a list of compilable range expectations.

    Parameters
    ----------
    expectations : list of ExpectationConfiguration
        At least one range, each one for which :func:`compilable` is true.
    """

    def __init__(self, expectations: list[ExpectationConfiguration]) -> None:
        self.expectations = expectations
        kwargs = [e.kwargs for e in expectations]
        self._columns = labels(k["column"] for k in kwargs)
        self._lows = np.array([_bound(k.get("min_value"), -np.inf) for k in kwargs])
        self._highs = np.array([_bound(k.get("max_value"), np.inf) for k in kwargs])
        #: the checks of each row condition, so that a condition shared by many ranges is evaluated once
        self._conditions: dict[str, list[int]] = {}
        for check, k in enumerate(kwargs):
            if k.get("row_condition") is not None:
                self._conditions.setdefault(_query(k), []).append(check)

    def melt(self, frame: pd.DataFrame) -> LongFrame:
        """Return the long frame of `frame` (schema dtypes) for these ranges, rows ordered by batch row."""
        values = frame[self._columns].to_numpy(dtype="float64", na_value=np.nan)
        kept = ~np.isnan(values)
        for condition, checks in self._conditions.items():
            kept[:, checks] &= _condition_rows(frame, condition)[:, None]
        rows, checks = np.nonzero(kept)
        value, low, high = values[rows, checks], self._lows[checks], self._highs[checks]
        # Equal infinities would subtract to NaN, which GX skips: a value on its bound is 0 away.
        above, below = np.where(value == low, 0.0, value - low), np.where(value == high, 0.0, high - value)
        slack = np.minimum(above, below)
        frame = pd.DataFrame({"slack": slack}, columns=labels(["slack"]))
        return LongFrame(frame, rows.astype(np.int64), checks.astype(np.int64))


def _condition_rows(frame: pd.DataFrame, condition: str) -> np.ndarray:
    """Return which rows of `frame` the ``DataFrame.query`` `condition` keeps, as GX would run it.

    The condition the suite writes to leave a placeholder out ("DAYS_EMPLOYED != 365243") is compared
    with numpy, as pandas compares a number column with an integer (a missing value is kept), without
    the query's parsing (0.3 ms per batch). Any other query runs on the columns whose names occur in
    its text (a superset of those it uses): on the whole frame, pandas prepared every column for it,
    2.7 ms per batch of the 120 application columns.
    """
    excluded = _EXCLUDED_VALUE.fullmatch(condition)
    if excluded and excluded[1] in frame.columns and frame[excluded[1]].dtype.kind == "f":
        return frame[excluded[1]].to_numpy() != int(excluded[2])
    used = [name for name in frame.columns if name in condition]
    return frame.index.isin(frame[labels(used)].query(condition).index)


def _bound(bound: float | None, missing: float) -> float:
    return missing if bound is None else float(bound)


def _query(kwargs: dict) -> str:
    """Return the ``DataFrame.query`` GX runs (pandas parser) for a range's ``row_condition``."""
    condition = kwargs["row_condition"]
    text = _pass_through(condition)
    return condition if text is None else text


def _pass_through(condition: object) -> str | None:
    """Return the pandas query of a serialised pass-through condition, None for any other condition."""
    if isinstance(condition, dict) and condition.get("type") == "pass_through":
        return condition["pass_through_filter"]
    return None
