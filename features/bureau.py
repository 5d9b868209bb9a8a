"""Features of the client's credits at other institutions (bureau, with their monthly statuses).

Monthly statuses (bureau_balance) are first summarised per bureau credit, then every credit, with its
status summary, is summarised per client: over all credits, over the active and the closed ones
separately, and over the credits opened in the last two years.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from features.aggregate import (
    Aggregation,
    Columns,
    FeatureInfo,
    aggregate,
    aggregate_many,
    columns_of,
    describe_family,
    level_name,
    ratio,
    schema_meanings,
)
from features.records import TableColumns
from features.schema import table

__all__ = ["FAMILY", "TABLES", "compute", "descriptions"]

FAMILY = "bureau"
TABLES = ("bureau", "bureau_balance")
_STATUS = table("bureau_balance").column("STATUS")
_ACTIVITY = table("bureau").column("CREDIT_ACTIVE").categories
# Lookups by status code; their extra last entry answers the code -1 of a missing status.
#: Delay level of each status ("1" = 1-30 days past due ... "5"), missing for C (closed), X (unknown).
_STATUS_LEVEL = np.array([float(s) if s.isdigit() else np.nan for s in _STATUS.categories] + [np.nan],
                         dtype=np.float32)
#: Whether the month was late: 1 for statuses 1-5, 0 for 0 and C (closed), missing for X (unknown).
_STATUS_LATE = np.array([float(s not in ("0", "C")) if s != "X" else np.nan for s in _STATUS.categories]
                        + [np.nan], dtype=np.float32)
#: Months of status history counted as "recent".
_RECENT_MONTHS = 12
#: Days before the application within which a credit counts as recently opened.
_RECENT_DAYS = 730

_PER_CREDIT = Aggregation(
    prefix="BB", over="the credit's monthly statuses",
    numeric={"MONTHS_BALANCE": ("min", "max"), "DPD_LEVEL": ("max", "mean"), "LATE": ("mean",),
             "LATE_RECENT": ("mean",)},
    shares={"STATUS": _STATUS.categories})

#: What each per-credit summary means, worded to follow "Average"/"Largest"/... at client level.
_PER_CREDIT_MEANINGS: dict[str, str] = {
    "BB_COUNT": "number of months of status history of the credit",
    "BB_MONTHS_BALANCE_MIN": "oldest month of status history of the credit (months before application)",
    "BB_MONTHS_BALANCE_MAX": "latest month of status history of the credit (months before application)",
    "BB_DPD_LEVEL_MAX": "worst monthly delay level of the credit (0 none, 1: 1-30 days ... 5: >120 days)",
    "BB_DPD_LEVEL_MEAN": ("monthly delay level of the credit, averaged over its months "
                          "(0 none ... 5: >120 days)"),
    "BB_LATE_MEAN": "share of the credit's months with a payment delay",
    "BB_LATE_RECENT_MEAN": f"share of the credit's last {_RECENT_MONTHS} months with a payment delay",
    **{f"BB_STATUS_{level_name(s)}_SHARE": f"share of the credit's months with status '{s}'"
       for s in _STATUS.categories},
}

#: What the per-credit status summaries read: the statuses, and the credit they are linked to.
_STATUS_SOURCES = ("bureau.SK_ID_BUREAU", "bureau_balance.MONTHS_BALANCE", "bureau_balance.STATUS")

_DERIVED: dict[str, tuple[str, tuple[str, ...]]] = {
    "DEBT_TO_CREDIT": ("Current debt as a share of the bureau credit amount",
                       ("AMT_CREDIT_SUM_DEBT", "AMT_CREDIT_SUM")),
    "OVERDUE_TO_CREDIT": ("Amount overdue as a share of the bureau credit amount",
                          ("AMT_CREDIT_SUM_OVERDUE", "AMT_CREDIT_SUM")),
    "ANNUITY_TO_CREDIT": ("Annuity as a share of the bureau credit amount",
                          ("AMT_ANNUITY", "AMT_CREDIT_SUM")),
    "PLANNED_DAYS": ("Planned duration of the bureau credit in days", ("DAYS_CREDIT_ENDDATE", "DAYS_CREDIT")),
    "END_DELAY_DAYS": ("Days between the planned and the actual end of the bureau credit",
                       ("DAYS_ENDDATE_FACT", "DAYS_CREDIT_ENDDATE")),
}

_CREDIT_NUMERIC: dict[str, tuple[str, ...]] = {
    "DAYS_CREDIT": ("min", "max", "mean", "var"),
    "DAYS_CREDIT_ENDDATE": ("min", "max", "mean"),
    "DAYS_ENDDATE_FACT": ("min", "max", "mean"),
    "DAYS_CREDIT_UPDATE": ("mean",),
    "CREDIT_DAY_OVERDUE": ("max", "mean"),
    "AMT_CREDIT_MAX_OVERDUE": ("max", "mean"),
    "AMT_CREDIT_SUM": ("max", "mean", "sum"),
    "AMT_CREDIT_SUM_DEBT": ("max", "mean", "sum"),
    "AMT_CREDIT_SUM_OVERDUE": ("mean", "sum"),
    "AMT_CREDIT_SUM_LIMIT": ("mean", "sum"),
    "AMT_ANNUITY": ("max", "mean", "sum"),
    "CNT_CREDIT_PROLONG": ("sum",),
    "DEBT_TO_CREDIT": ("max", "mean"),
    "OVERDUE_TO_CREDIT": ("max", "mean"),
    "ANNUITY_TO_CREDIT": ("mean",),
    "PLANNED_DAYS": ("mean",),
    "END_DELAY_DAYS": ("mean",),
    "BB_COUNT": ("mean", "sum"),
    "BB_MONTHS_BALANCE_MIN": ("min",),
    "BB_MONTHS_BALANCE_MAX": ("max",),
    "BB_DPD_LEVEL_MAX": ("max", "mean"),
    "BB_DPD_LEVEL_MEAN": ("mean",),
    "BB_LATE_MEAN": ("mean",),
    "BB_LATE_RECENT_MEAN": ("mean", "max"),
}

_ALL = Aggregation(
    prefix="BURO", over="the client's bureau credits",
    numeric={**_CREDIT_NUMERIC,
             **{f"BB_STATUS_{level_name(s)}_SHARE": ("mean",) for s in _STATUS.categories}},
    shares={c.name: c.categories for c in table("bureau").categorical})
_ACTIVE = Aggregation(prefix="BURO_ACTIVE", over="the client's active bureau credits",
                      numeric=_CREDIT_NUMERIC)
_CLOSED = Aggregation(prefix="BURO_CLOSED", over="the client's closed bureau credits",
                      numeric=_CREDIT_NUMERIC)
_RECENT = Aggregation(
    prefix="BURO_RECENT", over=f"the client's bureau credits opened in the last {_RECENT_DAYS} days",
    numeric={"AMT_CREDIT_SUM": ("sum",), "AMT_CREDIT_SUM_DEBT": ("sum",), "CREDIT_DAY_OVERDUE": ("max",),
             "DEBT_TO_CREDIT": ("mean",)})
_AGGREGATIONS = (_ALL, _ACTIVE, _CLOSED, _RECENT)


def descriptions() -> dict[str, FeatureInfo]:
    """Return name -> :class:`FeatureInfo` for every bureau feature, in output order."""
    meanings = schema_meanings("bureau")
    for name, text in _PER_CREDIT_MEANINGS.items():
        meanings[name] = (text, _STATUS_SOURCES)
    return describe_family(_AGGREGATIONS, meanings, _DERIVED, family=FAMILY, table_name="bureau")


def compute(tables: Mapping[str, pd.DataFrame | TableColumns]) -> pd.DataFrame:
    """Return the bureau features of every client with at least one bureau credit.

    Parameters
    ----------
    tables : mapping of str to pd.DataFrame or TableColumns
        At least ``bureau`` and ``bureau_balance``, in the schema's columns and dtypes (may have no rows).

    Returns
    -------
    pd.DataFrame
        Index ``SK_ID_CURR``, columns in :func:`descriptions` order, float32.
    """
    credits = _with_status_summary(_with_derived(columns_of(tables["bureau"])),
                                   columns_of(tables["bureau_balance"]))
    activity = credits["CREDIT_ACTIVE"]
    recent = credits["DAYS_CREDIT"] >= -_RECENT_DAYS
    return aggregate_many(credits, [(_ALL, None),
                                    (_ACTIVE, activity == _ACTIVITY.index("Active")),
                                    (_CLOSED, activity == _ACTIVITY.index("Closed")),
                                    (_RECENT, recent)], key="SK_ID_CURR")


def _with_derived(bureau: Columns) -> Columns:
    """Add the per-credit ratios and durations of `_DERIVED`."""
    return bureau | {
        "DEBT_TO_CREDIT": ratio(bureau["AMT_CREDIT_SUM_DEBT"], bureau["AMT_CREDIT_SUM"]),
        "OVERDUE_TO_CREDIT": ratio(bureau["AMT_CREDIT_SUM_OVERDUE"], bureau["AMT_CREDIT_SUM"]),
        "ANNUITY_TO_CREDIT": ratio(bureau["AMT_ANNUITY"], bureau["AMT_CREDIT_SUM"]),
        "PLANNED_DAYS": bureau["DAYS_CREDIT_ENDDATE"] - bureau["DAYS_CREDIT"],
        "END_DELAY_DAYS": bureau["DAYS_ENDDATE_FACT"] - bureau["DAYS_CREDIT_ENDDATE"],
    }


def _with_status_summary(credits: Columns, balance: Columns) -> Columns:
    """Attach the per-credit summary of monthly statuses to each bureau credit (missing if none)."""
    codes = balance["STATUS"]
    late = _STATUS_LATE[codes]
    recent = balance["MONTHS_BALANCE"] >= -_RECENT_MONTHS
    summary = aggregate(balance | {"DPD_LEVEL": _STATUS_LEVEL[codes], "LATE": late,
                                   "LATE_RECENT": np.where(recent, late, np.float32(np.nan))},
                        _PER_CREDIT, key="SK_ID_BUREAU")
    per_credit = summary.reindex(credits["SK_ID_BUREAU"]).to_numpy()
    return credits | dict(zip(summary.columns, per_credit.T, strict=True))
