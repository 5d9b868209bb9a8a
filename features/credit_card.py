"""Features of the monthly snapshots of earlier Home Credit credit cards (credit_card_balance).

Per month: utilisation of the limit, drawings against the limit, payment against the minimum and
delays. Summarised over the whole history and over the last 12 months, with utilisation trends.
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

FAMILY = "credit_card"
TABLES = ("credit_card_balance",)
_TABLE = table("credit_card_balance")
_RECENT_MONTHS = 12

_DERIVED: dict[str, tuple[str, tuple[str, ...]]] = {
    "UTILISATION": ("Card balance as a share of the card limit", ("AMT_BALANCE", "AMT_CREDIT_LIMIT_ACTUAL")),
    "DRAWINGS_TO_LIMIT": ("Amount drawn that month as a share of the card limit",
                          ("AMT_DRAWINGS_CURRENT", "AMT_CREDIT_LIMIT_ACTUAL")),
    "PAYMENT_TO_MINIMUM": ("Amount paid that month as a multiple of the minimum instalment",
                           ("AMT_PAYMENT_TOTAL_CURRENT", "AMT_INST_MIN_REGULARITY")),
    "LATE": ("Whether the card was past due that month (0/1)", ("SK_DPD",)),
    "MISSED_MINIMUM": ("Whether less than the minimum instalment was paid that month (0/1)",
                       ("AMT_PAYMENT_TOTAL_CURRENT", "AMT_INST_MIN_REGULARITY")),
}
_RAW = [c.name for c in _TABLE.numeric if c.name != "MONTHS_BALANCE"]

_ALL = Aggregation(
    prefix="CC", over="the client's monthly credit card snapshots",
    numeric={"MONTHS_BALANCE": ("min", "max"), **{name: ("max", "mean", "sum", "var") for name in _RAW},
             "UTILISATION": ("max", "mean"), "DRAWINGS_TO_LIMIT": ("max", "mean"),
             "PAYMENT_TO_MINIMUM": ("min", "mean"), "LATE": ("mean",), "MISSED_MINIMUM": ("mean",)},
    shares={c.name: c.categories for c in _TABLE.categorical})
_RECENT = Aggregation(
    prefix="CC_L12M", over=f"the client's monthly credit card snapshots, last {_RECENT_MONTHS} months",
    numeric={"UTILISATION": ("max", "mean", "trend"), "DRAWINGS_TO_LIMIT": ("mean",),
             "AMT_DRAWINGS_CURRENT": ("sum",), "AMT_BALANCE": ("mean", "trend"),
             "PAYMENT_TO_MINIMUM": ("mean",), "SK_DPD": ("max",), "LATE": ("mean",),
             "MISSED_MINIMUM": ("mean",)},
    trend_of="MONTHS_BALANCE", trend_unit="month")


def descriptions() -> dict[str, FeatureInfo]:
    """Return name -> :class:`FeatureInfo` for every credit card feature, in output order."""
    meanings = schema_meanings(_TABLE.name)
    # The schema words some counts like their amounts ("Purchases that month"): tell them apart.
    texts = [text for text, _ in meanings.values()]
    for name, (text, sources) in list(meanings.items()):
        if name.startswith("CNT_") and texts.count(text) > 1:
            meanings[name] = (f"Number of {text[:1].lower()}{text[1:]}", sources)
    return describe_family((_ALL, _RECENT), meanings, _DERIVED, family=FAMILY, table_name=_TABLE.name)


def compute(tables: Mapping[str, pd.DataFrame | TableColumns]) -> pd.DataFrame:
    """Return the credit card features of every client with at least one monthly snapshot.

    Parameters
    ----------
    tables : mapping of str to pd.DataFrame or TableColumns
        At least ``credit_card_balance``, in the schema's columns and dtypes (may have no rows).

    Returns
    -------
    pd.DataFrame
        Index ``SK_ID_CURR``, columns in :func:`descriptions` order, float32.
    """
    cc = columns_of(tables[_TABLE.name])
    paid, minimum = cc["AMT_PAYMENT_TOTAL_CURRENT"], cc["AMT_INST_MIN_REGULARITY"]
    cc.update(
        UTILISATION=ratio(cc["AMT_BALANCE"], cc["AMT_CREDIT_LIMIT_ACTUAL"]),
        DRAWINGS_TO_LIMIT=ratio(cc["AMT_DRAWINGS_CURRENT"], cc["AMT_CREDIT_LIMIT_ACTUAL"]),
        PAYMENT_TO_MINIMUM=ratio(paid, minimum),
        LATE=indicator(cc["SK_DPD"] > 0, ~np.isnan(cc["SK_DPD"])),
        MISSED_MINIMUM=indicator(paid < minimum, ~(np.isnan(paid) | np.isnan(minimum))),
    )
    recent = cc["MONTHS_BALANCE"] >= -_RECENT_MONTHS
    return aggregate_many(cc, [(_ALL, None), (_RECENT, recent)], key="SK_ID_CURR")
