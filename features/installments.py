"""Features of the instalments due and paid on earlier Home Credit loans (installments_payments).

Per instalment: the share of the amount that was paid, the amount left unpaid, the days past due and
the days paid early. Summarised over the whole history and over the instalments due in the last
year, with the trend of the delays over that year.
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

FAMILY = "installments"
TABLES = ("installments_payments",)
_TABLE = table("installments_payments")
_RECENT_DAYS = 365

_DERIVED: dict[str, tuple[str, tuple[str, ...]]] = {
    "PAYMENT_RATIO": ("Share of the instalment's amount that was paid", ("AMT_PAYMENT", "AMT_INSTALMENT")),
    "PAYMENT_DIFF": ("Amount of the instalment left unpaid", ("AMT_INSTALMENT", "AMT_PAYMENT")),
    "DPD": ("Days past due on the instalment", ("DAYS_ENTRY_PAYMENT", "DAYS_INSTALMENT")),
    "DBD": ("Days the instalment was paid before it was due", ("DAYS_INSTALMENT", "DAYS_ENTRY_PAYMENT")),
    "LATE": ("Whether the instalment was paid late (0/1)", ("DAYS_ENTRY_PAYMENT", "DAYS_INSTALMENT")),
    "UNDERPAID": ("Whether less than the instalment's amount was paid (0/1)",
                  ("AMT_PAYMENT", "AMT_INSTALMENT")),
}

_ALL = Aggregation(
    prefix="INSTAL", over="the client's instalments on earlier Home Credit loans",
    numeric={"NUM_INSTALMENT_VERSION": ("max", "mean"), "DPD": ("max", "mean", "sum"),
             "DBD": ("max", "mean", "sum"), "PAYMENT_RATIO": ("min", "max", "mean", "var"),
             "PAYMENT_DIFF": ("max", "mean", "sum", "var"), "AMT_INSTALMENT": ("max", "mean", "sum"),
             "AMT_PAYMENT": ("min", "max", "mean", "sum"), "DAYS_ENTRY_PAYMENT": ("min", "max", "mean"),
             "LATE": ("mean",), "UNDERPAID": ("mean",)})
_RECENT = Aggregation(
    prefix="INSTAL_L12M",
    over=f"the client's instalments due in the last {_RECENT_DAYS} days",
    numeric={"DPD": ("max", "mean", "trend"), "DBD": ("mean",), "PAYMENT_RATIO": ("min", "mean", "trend"),
             "PAYMENT_DIFF": ("mean", "sum"), "AMT_PAYMENT": ("sum",), "LATE": ("mean",),
             "UNDERPAID": ("mean",)},
    trend_of="DAYS_INSTALMENT", trend_unit="day")


def descriptions() -> dict[str, FeatureInfo]:
    """Return name -> :class:`FeatureInfo` for every instalment feature, in output order."""
    meanings = schema_meanings(_TABLE.name)
    return describe_family((_ALL, _RECENT), meanings, _DERIVED, family=FAMILY, table_name=_TABLE.name)


def compute(tables: Mapping[str, pd.DataFrame | TableColumns]) -> pd.DataFrame:
    """Return the instalment features of every client with at least one instalment.

    Parameters
    ----------
    tables : mapping of str to pd.DataFrame or TableColumns
        At least ``installments_payments``, in the schema's columns and dtypes (may have no rows).

    Returns
    -------
    pd.DataFrame
        Index ``SK_ID_CURR``, columns in :func:`descriptions` order, float32.
    """
    inst = columns_of(tables[_TABLE.name])
    late_by = inst["DAYS_ENTRY_PAYMENT"] - inst["DAYS_INSTALMENT"]
    diff = inst["AMT_INSTALMENT"] - inst["AMT_PAYMENT"]
    inst.update(
        PAYMENT_RATIO=ratio(inst["AMT_PAYMENT"], inst["AMT_INSTALMENT"]),
        PAYMENT_DIFF=diff,
        DPD=np.maximum(late_by, 0),
        DBD=np.maximum(-late_by, 0),
        LATE=indicator(late_by > 0, ~np.isnan(late_by)),
        UNDERPAID=indicator(diff > 0, ~np.isnan(diff)),
    )
    recent = inst["DAYS_INSTALMENT"] >= -_RECENT_DAYS
    return aggregate_many(inst, [(_ALL, None), (_RECENT, recent)], key="SK_ID_CURR")
