"""The range expectations of a suite, compiled into one "long" frame that two GX expectations check.

Great Expectations costs a few milliseconds per expectation per call whatever the rows, and the
service's suite is mostly one ``expect_column_values_to_be_between`` per number column. Here the
ranges are melted into a frame with one row per (application row, checked column) that holds the
``value`` and the expectation's bounds ``low`` and ``high``; GX then checks ``value >= low`` and
``high >= value`` on it, so a batch costs two expectations instead of one per column. The long rows
reproduce exactly what each range expectation would check: missing values are left out (GX skips
them), rows excluded by the expectation's ``row_condition`` (the "not applicable" placeholder) are
left out, a missing bound is infinite, and values are compared in float64 (GX compares a ``float32``
column value by value as Python floats).
Ranges this cannot reproduce exactly (``mostly``, strict bounds, other condition parsers) are not
compiled: :func:`compilable` says which are.
"""

from __future__ import annotations

from dataclasses import dataclass

import great_expectations as gx
import numpy as np
import pandas as pd
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

__all__ = ["LONG_EXPECTATIONS", "RANGE_TYPE", "LongFrame", "RangeChecks", "compilable"]

RANGE_TYPE = "expect_column_values_to_be_between"
#: A range with any other keyword (mostly, strict_min, result_format, ...) runs as GX runs it.
_PLAIN_KWARGS = {"column", "min_value", "max_value", "row_condition", "condition_parser"}

#: What GX checks on the long frame: each value within its own row's bounds.
LONG_EXPECTATIONS = (
    gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(column_A="value", column_B="low", or_equal=True),
    gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(column_A="high", column_B="value", or_equal=True),
)


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
        Columns ``value``, ``low``, ``high`` (float64), one row per checked value, RangeIndex.
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

    def melt(self, frame: pd.DataFrame) -> LongFrame:
        """Return the long frame of `frame` (RangeIndex, schema dtypes) for these ranges."""
        parts = [self._part(frame, check, expectation) for check, expectation in enumerate(self.expectations)]
        values, lows, highs, rows, checks = (np.concatenate(arrays) for arrays in zip(*parts, strict=True))
        return LongFrame(pd.DataFrame({"value": values, "low": lows, "high": highs}),
                         rows.astype(np.int64), checks.astype(np.int64))

    @staticmethod
    def _part(frame: pd.DataFrame, check: int,
              expectation: ExpectationConfiguration) -> tuple[np.ndarray, ...]:
        kwargs = expectation.kwargs
        column = _kept_rows(frame, kwargs)[kwargs["column"]]
        x = column.to_numpy(dtype="float64", na_value=np.nan)
        present = ~np.isnan(x)
        n = int(present.sum())
        low, high = (float(bound) if bound is not None else missing for bound, missing in (
            (kwargs.get("min_value"), -np.inf), (kwargs.get("max_value"), np.inf)))
        return (x[present], np.full(n, low), np.full(n, high),
                column.index.to_numpy()[present], np.full(n, check))


def _kept_rows(frame: pd.DataFrame, kwargs: dict) -> pd.DataFrame:
    """Return the rows GX would check for a range's ``row_condition`` (the same ``DataFrame.query``)."""
    condition = kwargs.get("row_condition")
    if condition is None:
        return frame
    text = _pass_through(condition)
    return frame.query(text) if text is not None else frame.query(condition, parser="pandas")


def _pass_through(condition: object) -> str | None:
    """Return the pandas query of a serialised pass-through condition, None for any other condition."""
    if isinstance(condition, dict) and condition.get("type") == "pass_through":
        return condition["pass_through_filter"]
    return None
