"""How values read on the page: numbers, percentages, raw application fields and the client table.

Raw columns are labelled and converted from what `features.schema` says about them: day offsets are
shown in years, 0/1 flags as Yes/No, Home Credit's "not applicable" placeholder as words.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from features.schema import Column, table
from ui.text import (
    AUDIT_COLUMNS,
    DAYS_AS_YEARS,
    DAYS_PER_YEAR,
    DECISION_ICON,
    DECISION_WORD,
    EARLIER_COLUMNS,
    FORM_FIELDS,
    MISSING,
    MONITOR_COLUMNS,
    NOT_APPLICABLE,
    ORIGIN_WORD,
)

__all__ = [
    "application_table",
    "audit_table",
    "column_label",
    "decisions_table",
    "format_value",
    "history_table",
    "monitoring_table",
    "number_text",
    "percent",
    "points",
    "raw_value",
]

_APPLICATION = table("application_test")


def percent(probability: float) -> str:
    """Return a probability as a percentage with one decimal, e.g. ``0.1234 -> "12.3%"``."""
    return f"{100 * probability:.1f}%"


def points(difference: float) -> str:
    """Return a difference of probabilities in percentage points, signed, e.g. ``"+3.2 pts"``."""
    return f"{100 * difference:+.1f} pts"


def format_value(value: float | int | str | None) -> str:
    """Return a model feature's value as an advisor reads it.

    Missing values read ``"not given"``; large numbers get thousands separators; small ones keep
    three significant digits.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "Yes" if value else "No"
    magnitude = abs(value)
    if magnitude >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    if magnitude >= 1:
        return f"{value:,.2f}"
    return f"{value:.3g}"


def number_text(value: float | None) -> str:
    """Return a number as typed into a text field: exact (it parses back to the same float), with
    thousands separators, and empty for a missing value."""
    if value is None:
        return ""
    text = f"{value:,}"
    return text.removesuffix(".0")


def _is_flag(column: Column) -> bool:
    return column.written_as_int and column.low == 0 and column.high == 1


def column_label(name: str) -> str:
    """Return the label of an application column: its schema description, or its years label."""
    return DAYS_AS_YEARS.get(name) or _APPLICATION.column(name).description


def raw_value(name: str, value: Any) -> str:
    """Return the value of an application column as shown in the client table."""
    column = _APPLICATION.column(name)
    if value is None:
        return MISSING
    if column.sentinel is not None and value == column.sentinel:
        return NOT_APPLICABLE
    if name in DAYS_AS_YEARS:
        return f"{abs(value) / DAYS_PER_YEAR:.1f}"
    if _is_flag(column):
        return "Yes" if value else "No"
    return format_value(value)


def application_table(record: dict[str, Any], *, names: tuple[str, ...] = FORM_FIELDS) -> pd.DataFrame:
    """Return the client's main application fields as a two-column table (field, value).

    Parameters
    ----------
    record : dict
        The client's API record.
    names : tuple of str, default=FORM_FIELDS
        Application columns to list, in order; columns absent from the record read "not given".
    """
    return pd.DataFrame({
        "Field": [column_label(n) for n in names],
        "Value": [raw_value(n, record.get(n)) for n in names],
    })


def history_table(record: dict[str, Any]) -> pd.DataFrame:
    """Return how many rows of each history table the client has, with the table's description."""
    names = [name for name, rows in record.items() if isinstance(rows, list)]
    return pd.DataFrame({
        "History": [table(n).description for n in names],
        "Rows": [len(record[n]) for n in names],
    })


def decisions_table(decisions: Sequence[Any]) -> pd.DataFrame:
    """Return a client's recorded decisions (`decisions.views.DecisionSummary`), newest first, as shown."""
    return pd.DataFrame(
        [(f"{d.decided_at:%Y-%m-%d %H:%M:%S}", ORIGIN_WORD.get(d.origin, d.origin), d.model_version,
          f"{DECISION_ICON[d.decision]} {DECISION_WORD[d.decision]}", d.score, str(d.decision_id))
         for d in decisions], columns=list(EARLIER_COLUMNS))


def audit_table(entries: Sequence[Any]) -> pd.DataFrame:
    """Return reads of clients' data (`access.audit.AuditEntry`), newest first, as shown."""
    return pd.DataFrame([(f"{e.read_at:%Y-%m-%d %H:%M:%S}", e.reader, e.reader_kind, e.sk_id_curr, e.action,
                          e.shown) for e in entries], columns=list(AUDIT_COLUMNS))


def monitoring_table(shifts: Sequence[Any]) -> pd.DataFrame:
    """Return the PSI of each shift (`monitoring.drift.Shift`), as listed."""
    return pd.DataFrame([(s.name, round(s.psi, 4), s.status) for s in shifts], columns=list(MONITOR_COLUMNS))
