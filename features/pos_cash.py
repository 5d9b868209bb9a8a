"""Features of the monthly snapshots of earlier point-of-sale and cash loans (POS_CASH_balance).

Summarised over the whole history and over the last 12 months, with the trend of the delays over
those months (is the client catching up or falling behind?).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from features.aggregate import (
    Aggregation,
    FeatureInfo,
    aggregate_many,
    columns_of,
    describe_family,
    indicator,
    ratio,
    schema_meanings,
)
from features.records import TableColumns
from features.schema import table

__all__ = ["FAMILY", "TABLES", "compute", "descriptions"]

FAMILY = "pos_cash"
TABLES = ("POS_CASH_balance",)
_TABLE = table("POS_CASH_balance")
_RECENT_MONTHS = 12

_DERIVED: dict[str, tuple[str, tuple[str, ...]]] = {
    "LATE": ("Whether the loan was past due that month (0/1)", ("SK_DPD",)),
    "REMAINING_SHARE": ("Share of the loan's instalments still to pay that month",
                        ("CNT_INSTALMENT_FUTURE", "CNT_INSTALMENT")),
}

_ALL = Aggregation(
    prefix="POS", over="the client's monthly snapshots of point-of-sale and cash loans",
    numeric={"MONTHS_BALANCE": ("min", "max", "mean"), "CNT_INSTALMENT": ("mean", "max"),
             "CNT_INSTALMENT_FUTURE": ("mean", "min"), "SK_DPD": ("max", "mean"),
             "SK_DPD_DEF": ("max", "mean"), "LATE": ("mean",), "REMAINING_SHARE": ("mean", "min")},
    shares={c.name: c.categories for c in _TABLE.categorical})
_RECENT = Aggregation(
    prefix="POS_L12M",
    over=f"the client's monthly snapshots of point-of-sale and cash loans, last {_RECENT_MONTHS} months",
    numeric={"SK_DPD": ("max", "mean", "trend"), "SK_DPD_DEF": ("max", "mean"), "LATE": ("mean", "trend"),
             "CNT_INSTALMENT_FUTURE": ("mean",), "REMAINING_SHARE": ("mean",)},
    trend_of="MONTHS_BALANCE", trend_unit="month")


def descriptions() -> dict[str, FeatureInfo]:
    """Return name -> :class:`FeatureInfo` for every POS/cash feature, in output order."""
    meanings = schema_meanings(_TABLE.name)
    return describe_family((_ALL, _RECENT), meanings, _DERIVED, family=FAMILY, table_name=_TABLE.name)


def compute(tables: Mapping[str, pd.DataFrame | TableColumns]) -> pd.DataFrame:
    """Return the POS/cash features of every client with at least one monthly snapshot.

    Parameters
    ----------
    tables : mapping of str to pd.DataFrame or TableColumns
        At least ``POS_CASH_balance``, in the schema's columns and dtypes (may have no rows).

    Returns
    -------
    pd.DataFrame
        Index ``SK_ID_CURR``, columns in :func:`descriptions` order, float32.
    """
    pos = columns_of(tables[_TABLE.name])
    pos.update(LATE=indicator(pos["SK_DPD"] > 0, ~np.isnan(pos["SK_DPD"])),
               REMAINING_SHARE=ratio(pos["CNT_INSTALMENT_FUTURE"], pos["CNT_INSTALMENT"]))
    recent = pos["MONTHS_BALANCE"] >= -_RECENT_MONTHS
    return aggregate_many(pos, [(_ALL, None), (_RECENT, recent)], key="SK_ID_CURR")
