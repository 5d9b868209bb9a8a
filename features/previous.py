"""Features of the client's earlier applications at Home Credit (previous_application).

Summarised over all earlier applications, over the approved and the refused ones separately, over
approved loans still running at the application, and over the most recent applications (by decision
date), which the top competition solutions found more telling than the whole history.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from features.aggregate import (
    Aggregation,
    Columns,
    FeatureInfo,
    aggregate_many,
    columns_of,
    describe_family,
    ratio,
    schema_meanings,
)
from features.records import TableColumns
from features.schema import table

__all__ = ["FAMILY", "TABLES", "compute", "descriptions"]

FAMILY = "previous"
TABLES = ("previous_application",)
_TABLE = table("previous_application")
_SENTINEL = [c for c in _TABLE.numeric if c.sentinel is not None]
#: Sizes of the "most recent applications" windows.
_LAST = (1, 5)

_DERIVED: dict[str, tuple[str, tuple[str, ...]]] = {
    "APPLICATION_TO_CREDIT": ("Amount asked for as a share of the amount granted",
                              ("AMT_APPLICATION", "AMT_CREDIT")),
    "CREDIT_TERM": ("Term of the previous loan in annuities (credit / annuity)",
                    ("AMT_CREDIT", "AMT_ANNUITY")),
    "GOODS_TO_CREDIT": ("Goods price as a share of the amount granted", ("AMT_GOODS_PRICE", "AMT_CREDIT")),
    "INTEREST_SHARE": ("Interest paid over the loan as a share of the amount granted "
                       "(annuity x number of payments / credit - 1)",
                       ("AMT_ANNUITY", "CNT_PAYMENT", "AMT_CREDIT")),
    "LAST_DUE_SHIFT": ("Days between the first planned and the actual last due date",
                       ("DAYS_LAST_DUE", "DAYS_LAST_DUE_1ST_VERSION")),
}

_NUMERIC: dict[str, tuple[str, ...]] = {
    "AMT_ANNUITY": ("min", "max", "mean"),
    "AMT_APPLICATION": ("min", "max", "mean"),
    "AMT_CREDIT": ("min", "max", "mean", "sum"),
    "APPLICATION_TO_CREDIT": ("min", "max", "mean", "var"),
    "AMT_DOWN_PAYMENT": ("min", "max", "mean"),
    "AMT_GOODS_PRICE": ("min", "max", "mean"),
    "HOUR_APPR_PROCESS_START": ("min", "max", "mean"),
    "RATE_DOWN_PAYMENT": ("min", "max", "mean"),
    "DAYS_DECISION": ("min", "max", "mean"),
    "CNT_PAYMENT": ("mean", "sum"),
    "CREDIT_TERM": ("mean", "max"),
    "GOODS_TO_CREDIT": ("mean",),
    "INTEREST_SHARE": ("min", "max", "mean"),
    "DAYS_FIRST_DRAWING": ("max", "mean"),
    "DAYS_FIRST_DUE": ("max", "mean"),
    "DAYS_LAST_DUE_1ST_VERSION": ("max", "mean"),
    "DAYS_LAST_DUE": ("max", "mean"),
    "DAYS_TERMINATION": ("max", "mean"),
    "LAST_DUE_SHIFT": ("mean",),
    "NFLAG_INSURED_ON_APPROVAL": ("mean",),
}
_RECENT_NUMERIC: dict[str, tuple[str, ...]] = {
    "AMT_CREDIT": ("mean",), "AMT_ANNUITY": ("mean",), "APPLICATION_TO_CREDIT": ("mean",),
    "DAYS_DECISION": ("mean",), "CNT_PAYMENT": ("mean",), "INTEREST_SHARE": ("mean",),
}
_STATUS = "NAME_CONTRACT_STATUS"
_STATUS_LEVELS = _TABLE.column(_STATUS).categories

_ALL = Aggregation(prefix="PREV", over="the client's previous applications", numeric=_NUMERIC,
                   shares={c.name: c.categories for c in _TABLE.categorical})
_APPROVED = Aggregation(prefix="PREV_APPROVED", over="the client's approved previous applications",
                        numeric=_NUMERIC)
_REFUSED = Aggregation(prefix="PREV_REFUSED", over="the client's refused previous applications",
                       numeric=_NUMERIC)
_RUNNING = Aggregation(
    prefix="PREV_RUNNING", over="the client's approved Home Credit loans still running at the application",
    numeric={"AMT_ANNUITY": ("sum",), "AMT_CREDIT": ("sum",), "DAYS_LAST_DUE_1ST_VERSION": ("max",)})
_RECENT = tuple(
    Aggregation(prefix=f"PREV_LAST{n}", over=f"the client's {n} most recent previous applications"
                if n > 1 else "the client's most recent previous application",
                numeric=_RECENT_NUMERIC, shares={_STATUS: _STATUS_LEVELS}, count=False,
                one_row=n == 1)
    for n in _LAST)


def descriptions() -> dict[str, FeatureInfo]:
    """Return name -> :class:`FeatureInfo` for every previous-application feature, in output order."""
    meanings = schema_meanings(_TABLE.name)
    for c in _SENTINEL:
        meanings[c.name] = (f"{c.description} (placeholder {c.sentinel} counted as missing)",
                            meanings[c.name][1])
    return describe_family((_ALL, _APPROVED, _REFUSED, _RUNNING, *_RECENT), meanings, _DERIVED,
                           family=FAMILY, table_name=_TABLE.name)


def compute(tables: Mapping[str, pd.DataFrame | TableColumns]) -> pd.DataFrame:
    """Return the previous-application features of every client with at least one.

    Parameters
    ----------
    tables : mapping of str to pd.DataFrame or TableColumns
        At least ``previous_application``, in the schema's columns and dtypes (may have no rows).

    Returns
    -------
    pd.DataFrame
        Index ``SK_ID_CURR``, columns in :func:`descriptions` order, float32.
    """
    previous = _with_derived(columns_of(tables[_TABLE.name]))
    status = previous[_STATUS]
    approved = status == _STATUS_LEVELS.index("Approved")
    running = approved & (previous["DAYS_LAST_DUE_1ST_VERSION"] > 0)
    recency = _recency(previous["SK_ID_CURR"], previous["DAYS_DECISION"])
    parts = [(_ALL, None), (_APPROVED, approved), (_REFUSED, status == _STATUS_LEVELS.index("Refused")),
             (_RUNNING, running)]
    parts += [(aggregation, recency <= n) for n, aggregation in zip(_LAST, _RECENT, strict=True)]
    return aggregate_many(previous, parts, key="SK_ID_CURR")


def _recency(clients: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Rank each application among its client's by decision date: 1 = the latest, ties in row order (the
    same whichever way the rows arrived); no rank (infinity) without a date."""
    by_date = np.argsort(-days, kind="stable")  # missing dates last
    order = by_date[np.argsort(clients[by_date], kind="stable")]
    ordered = clients[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    position = np.arange(len(order))
    rank = np.empty(len(order))
    rank[order] = position - np.repeat(starts, np.diff(np.r_[starts, len(order)])) + 1
    rank[np.isnan(days)] = np.inf
    return rank


def _with_derived(previous: Columns) -> Columns:
    """Turn the day placeholders into missing values and add the ratios of `_DERIVED`."""
    clean = previous | {c.name: np.where(previous[c.name] == c.sentinel, np.float32(np.nan), previous[c.name])
                        for c in _SENTINEL}
    total_paid = clean["AMT_ANNUITY"] * clean["CNT_PAYMENT"]
    return clean | {
        "APPLICATION_TO_CREDIT": ratio(clean["AMT_APPLICATION"], clean["AMT_CREDIT"]),
        "CREDIT_TERM": ratio(clean["AMT_CREDIT"], clean["AMT_ANNUITY"]),
        "GOODS_TO_CREDIT": ratio(clean["AMT_GOODS_PRICE"], clean["AMT_CREDIT"]),
        "INTEREST_SHARE": ratio(total_paid, clean["AMT_CREDIT"]) - 1,
        "LAST_DUE_SHIFT": clean["DAYS_LAST_DUE"] - clean["DAYS_LAST_DUE_1ST_VERSION"],
    }
