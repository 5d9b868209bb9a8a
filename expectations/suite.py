"""The Great Expectations suite of incoming applications, built from the training data.

The suite is the data contract of the model: what an application must look like for its score to
mean anything. It is derived from `features.schema` (which columns exist, their dtypes, the category
levels, the hard limits) and from the training applications (plausible ranges), and travels with the
model in the model store. Its expectations, in order:

- ``SK_ID_CURR`` is never null (the only field an application must have; every other may be missing);
- each key and number column has the schema's dtype (frames are cast with
  ``features.loaders.cast_to_schema`` first);
- each category column holds only the schema's levels (this is its type check: GX's type expectation
  cannot name a pandas 3 categorical dtype);
- each number column lies in its plausible range: the training values between the `quantiles`,
  widened on each side by `margin` times their spread, never narrower than the smallest and largest
  training values (so no client of the training data fails its own suite), and never beyond the
  schema's hard limits (an income is at least 1). The schema's "not applicable" placeholder
  (``365243`` in some DAYS_* columns) is left out of the range check. A column with no training values
  gets its hard limits, or no range when it has none. A constant column (spread 0) gets its hard limits.

Each range expectation records in its ``meta`` how it was derived.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import great_expectations as gx
import numpy as np
import pandas as pd
from great_expectations.expectations.metadata_types import FailureSeverity

from features.schema import Column, Kind, Table, table

__all__ = ["APPLICATION_TABLE", "SUITE_NAME", "build_suite", "load_suite", "save_suite"]

#: The table an incoming application follows: application_train without TARGET.
APPLICATION_TABLE: Table = table("application_test")
SUITE_NAME = "credit_scoring_applications"


def build_suite(applications: pd.DataFrame, *, quantiles: tuple[float, float] = (0.001, 0.999),
                margin: float = 2.0) -> dict:
    """Return the expectation suite of incoming applications, as JSON, from the training applications.

    Parameters
    ----------
    applications : pd.DataFrame
        Training applications in schema dtypes (``application_train`` as loaded by
        ``features.loaders.load_tables`` or made by ``synthetic``); TARGET and unknown
        columns are ignored, absent columns get their hard limits only.
    quantiles : tuple of float, default=(0.001, 0.999)
        The lower and upper training quantiles that a plausible range starts from.
    margin : float, default=2.0
        How far, in units of the spread between the two quantiles, the range reaches beyond them.
        Measured on the real sample split in two halves of 2,500 applications (suite from one half,
        the other half validated): 0.5 rejects 0.32% of the unseen real clients, 1.0 0.10%, 2.0 0.04%,
        3.0 none; an income sent in cents (x100) is caught by all of them.

    Returns
    -------
    dict
        The suite as JSON (``gx.ExpectationSuite(**suite)`` rebuilds it).

    Raises
    ------
    ValueError
        If `quantiles` are not increasing within [0, 1], `margin` is negative, or `applications`
        has no SK_ID_CURR column.
    """
    low_q, high_q = quantiles
    if not 0 <= low_q < high_q <= 1:
        raise ValueError(f"quantiles must be increasing within [0, 1], got {quantiles}")
    if margin < 0:
        raise ValueError(f"margin must be >= 0, got {margin}")
    if "SK_ID_CURR" not in applications.columns:
        raise ValueError("applications has no SK_ID_CURR column: pass the application_train frame")
    expectations = [gx.expectations.ExpectColumnValuesToNotBeNull(column="SK_ID_CURR")]
    expectations += [
        gx.expectations.ExpectColumnValuesToBeInTypeList(column=column.name, type_list=[column.dtype])
        for column in APPLICATION_TABLE.columns if column.kind is not Kind.CATEGORY]
    expectations += [
        gx.expectations.ExpectColumnValuesToBeInSet(column=column.name, value_set=list(column.categories))
        for column in APPLICATION_TABLE.categorical]
    for column in APPLICATION_TABLE.numeric:
        values = applications[column.name] if column.name in applications.columns else None
        expectations += _range_expectations(column, _plausible_range(column, values, quantiles=quantiles,
                                                                      margin=margin))
    # Built without a data context (none is needed to describe a suite): passing the list at
    # construction avoids add_expectation, which looks for a project to save into.
    suite = gx.ExpectationSuite(name=SUITE_NAME, expectations=expectations,
                                meta={"quantiles": list(quantiles), "margin": margin})
    return suite.to_json_dict()


def _plausible_range(column: Column, values: pd.Series | None, *, quantiles: tuple[float, float],
                     margin: float) -> tuple[float | None, float | None, dict] | None:
    """Return (low, high, how it was derived) for one number column, or None when nothing bounds it."""
    hard = (column.low, column.high)
    x = np.array([]) if values is None else values.to_numpy(dtype="float64", na_value=np.nan)
    x = x[~np.isnan(x)]
    if column.sentinel is not None:
        x = x[x != column.sentinel]
    q_low, q_high = (np.quantile(x, quantiles) if len(x) else (np.nan, np.nan))
    if not len(x) or q_high == q_low:
        if hard == (None, None):
            return None
        return hard[0], hard[1], {**_HARD, "training_values": len(x)}
    spread = q_high - q_low
    low = min(q_low - margin * spread, x.min())
    high = max(q_high + margin * spread, x.max())
    if hard[0] is not None:
        low = max(low, hard[0])
    if hard[1] is not None:
        high = min(high, hard[1])
    how = {"source": "training quantiles with a margin, within the schema hard limits",
           "quantiles": [float(q_low), float(q_high)], "observed": [float(x.min()), float(x.max())],
           "hard_limits": list(hard), "training_values": len(x)}
    return _round_out(low, down=True), _round_out(high, down=False), how


def _round_out(value: float, *, down: bool) -> float:
    """Round to 6 significant digits, outwards, so that the JSON stays readable and no bound tightens."""
    if value == 0:
        return 0.0
    digits = 6 - math.floor(math.log10(abs(value))) - 1
    scale = 10.0 ** digits
    return (math.floor if down else math.ceil)(value * scale) / scale


_HARD = {"source": "schema hard limits"}


def _range_expectations(column: Column, bounds: tuple[float | None, float | None, dict] | None) -> list:
    """The range checks of one column: critical at the schema's hard limits, a warning at the training
    range, the hard one first.

    A value outside the schema's hard limits is impossible and is refused (the request model refuses
    it too, from the same schema). A value inside them but outside the training data's range is
    possible: a real holdout client sent AMT_REQ_CREDIT_BUREAU_DAY = 5 where training had seen 0-3.
    It is scored, with a warning.
    """
    if bounds is None:
        return []
    if bounds[2]["source"] == _HARD["source"]:
        return [_range_expectation(column, bounds, FailureSeverity.CRITICAL)]
    hard = [] if (column.low, column.high) == (None, None) else [
        _range_expectation(column, (column.low, column.high, _HARD), FailureSeverity.CRITICAL)]
    return [*hard, _range_expectation(column, bounds, FailureSeverity.WARNING)]


def _range_expectation(column: Column, bounds: tuple[float | None, float | None, dict],
                       severity: FailureSeverity):
    low, high, how = bounds
    options = {}
    if column.sentinel is not None:
        # the placeholder means "not applicable", not a value: GX checks only the other rows
        options = {"row_condition": f"{column.name} != {column.sentinel}", "condition_parser": "pandas"}
    return gx.expectations.ExpectColumnValuesToBeBetween(
        column=column.name, min_value=low, max_value=high, meta=how, severity=severity, **options)


def save_suite(suite: dict, path: str | Path) -> Path:
    """Write the suite as indented JSON (the folder is created) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(suite, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    return path


def load_suite(path: str | Path) -> dict:
    """Read a suite written by :func:`save_suite`.

    Raises
    ------
    FileNotFoundError
        If there is no suite at `path`; the message says how to build one.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no expectation suite at {path}; `python -m train` builds one")
    return json.loads(path.read_text(encoding="utf-8"))
