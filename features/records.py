"""Raw API records (applications with nested history rows) -> the raw tables, one frame per table.

A whole batch becomes ONE frame per table, never one per client: per-call pandas overhead, not the
arithmetic, is what a small batch costs. Rows are linked to their application by nesting, so within a
batch each application is keyed by its position: two records with the same SK_ID_CURR (the same
client scored twice in one batch) stay apart, and history rows need not repeat SK_ID_CURR.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from features.loaders import cast_to_schema
from features.schema import Table, table

__all__ = ["APPLICATION", "NESTED_TABLES", "records_to_tables", "tables_to_records"]

#: The application columns a record carries (no TARGET: the API scores unknown outcomes).
APPLICATION = table("application_test")
#: History tables given as lists under the key of the same name; bureau_balance rows are nested in
#: their bureau row under "bureau_balance".
NESTED_TABLES = ("bureau", "previous_application", "POS_CASH_balance", "installments_payments",
                 "credit_card_balance")
_BALANCE = "bureau_balance"
#: Stands for an identifier the caller left out (SK_ID_PREV): no feature depends on identifier values.
_UNKNOWN_ID = -1
_INT32 = np.iinfo(np.int32)


def records_to_tables(records: Sequence[Mapping[str, Any]]) -> tuple[
        np.ndarray, pd.DataFrame, dict[str, pd.DataFrame]]:
    """Split a batch of raw application records into schema-typed tables keyed by position.

    Parameters
    ----------
    records : sequence of mapping
        One mapping per application: application columns (SK_ID_CURR required), and optionally a
        list of rows under each of :data:`NESTED_TABLES`; each bureau row may hold a list under
        ``"bureau_balance"``. History rows may omit SK_ID_CURR (and SK_ID_BUREAU for monthly
        statuses): the enclosing record or bureau row implies it.

    Returns
    -------
    ids : np.ndarray of int32
        The records' SK_ID_CURR, in record order.
    applications : pd.DataFrame
        One row per record, cast to the ``application_test`` schema, SK_ID_CURR = record position.
    tables : dict of str to pd.DataFrame
        Every history table (empty when no record has rows), cast to its schema, SK_ID_CURR = the
        position of the owning record; SK_ID_BUREAU numbered within the batch.

    Raises
    ------
    ValueError
        If the batch is not a sequence of mappings, a record has no integer SK_ID_CURR, a history
        entry is not a list of mappings, or a history row names another SK_ID_CURR / SK_ID_BUREAU
        than its parent. The message names the record and the field.
    """
    if isinstance(records, str | bytes | Mapping) or not isinstance(records, Sequence):
        raise ValueError(f"records must be a list of application mappings, got {type(records).__name__}")
    ids = np.array([_application_id(i, record) for i, record in enumerate(records)], dtype=np.int32)
    applications = _frame(APPLICATION, [{**r, "SK_ID_CURR": i} for i, r in enumerate(records)])
    rows: dict[str, list[Mapping[str, Any]]] = {}
    for name in NESTED_TABLES:
        rows[name] = [{**row, "SK_ID_CURR": i} for i, record in enumerate(records)
                      for row in _rows(record, name, where=f"record {i} (SK_ID_CURR={ids[i]})",
                                       key="SK_ID_CURR", parent_id=int(ids[i]))]
    rows["bureau"], rows[_BALANCE] = _number_bureau_credits(rows["bureau"], ids)
    tables = {name: _frame(table(name), table_rows) for name, table_rows in rows.items()}
    return ids, applications, tables


def _application_id(position: int, record: object) -> int:
    """Return the record's SK_ID_CURR, or raise naming the record when it is missing or not an integer."""
    if not isinstance(record, Mapping):
        raise ValueError(f"record {position} must be a mapping of column -> value, got "
                         f"{type(record).__name__}")
    value = record.get("SK_ID_CURR")
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"record {position}: SK_ID_CURR must be an integer application identifier, got "
                         f"{value!r}")
    if not _INT32.min <= value <= _INT32.max:
        raise ValueError(f"record {position}: SK_ID_CURR={value} is outside the identifier range "
                         f"{_INT32.min}..{_INT32.max}")
    if _BALANCE in record:
        raise ValueError(f"record {position} (SK_ID_CURR={value}): bureau_balance rows go inside their "
                         "bureau credit, under bureau[i]['bureau_balance'], not at the top level")
    return int(value)


def _rows(parent: Mapping[str, Any], name: str, *, where: str, key: str,
          parent_id: object) -> list[Mapping[str, Any]]:
    """Return the rows `parent` holds under `name` (none if absent), checked against the parent's key."""
    value = parent.get(name)
    if value is None:
        return []
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence):
        raise ValueError(f"{where}: {name} must be a list of rows, got {type(value).__name__}")
    for j, row in enumerate(value):
        if not isinstance(row, Mapping):
            raise ValueError(f"{where}: {name}[{j}] must be a mapping of column -> value, got "
                             f"{type(row).__name__}")
        own = row.get(key)
        if parent_id is not None and own is not None and own != parent_id:
            raise ValueError(f"{where}: {name}[{j}] has {key}={own!r} but belongs to {key}={parent_id}; "
                             f"leave {key} out of nested rows or make it match")
    return list(value)


def _number_bureau_credits(credits: list[Mapping[str, Any]], ids: np.ndarray) -> tuple[
        list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """Number the batch's bureau credits 0..n-1 and pull their monthly statuses out, linked by number.

    Numbering within the batch links statuses by nesting alone, whatever identifiers the caller sent.
    """
    numbered, balance = [], []
    for number, credit in enumerate(credits):
        position = credit["SK_ID_CURR"]
        statuses = _rows(credit, _BALANCE, key="SK_ID_BUREAU", parent_id=credit.get("SK_ID_BUREAU"),
                         where=f"record {position} (SK_ID_CURR={ids[position]}), bureau credit "
                               f"{credit.get('SK_ID_BUREAU', number)}")
        numbered.append({**credit, "SK_ID_BUREAU": number})
        balance.extend({**status, "SK_ID_BUREAU": number} for status in statuses)
    return numbered, balance


def _frame(schema: Table, rows: list[Mapping[str, Any]]) -> pd.DataFrame:
    """Build one schema-typed frame from `rows`, column by column (missing fields are missing values)."""
    columns = {}
    for column in schema.columns:
        values = [row.get(column.name) for row in rows]
        if column.name in schema.keys:
            values = [_UNKNOWN_ID if v is None else v for v in values]
        columns[column.name] = values
    return cast_to_schema(pd.DataFrame(columns), schema)


def tables_to_records(applications: pd.DataFrame,
                      history: Mapping[str, pd.DataFrame]) -> list[dict[str, Any]]:
    """Turn applications and their history tables into raw API records (the inverse of the above).

    Used to send known clients to the API (the demo portfolio, tests, benchmarks). Nested rows leave
    out the keys their parent implies (SK_ID_CURR; SK_ID_BUREAU in monthly statuses); missing values
    become None and categories their text, as in JSON.

    Parameters
    ----------
    applications : pd.DataFrame
        Application rows (any TARGET is left out).
    history : mapping of str to pd.DataFrame
        History tables by name; absent tables give no nested rows.

    Returns
    -------
    list of dict
        One record per application, in row order.
    """
    records = _plain_rows(applications.drop(columns="TARGET", errors="ignore"))
    by_client = {r["SK_ID_CURR"]: r for r in records}
    mine = {name: history[name][history[name]["SK_ID_CURR"].isin(list(by_client))]
            for name in NESTED_TABLES if name in history}
    balance: dict[int, list[dict[str, Any]]] = {}
    if _BALANCE in history and "bureau" in mine:
        statuses = history[_BALANCE]
        for row in _plain_rows(statuses[statuses["SK_ID_BUREAU"].isin(mine["bureau"]["SK_ID_BUREAU"])]):
            balance.setdefault(row.pop("SK_ID_BUREAU"), []).append(row)
    for name, frame in mine.items():
        for row in _plain_rows(frame):
            record = by_client[row.pop("SK_ID_CURR")]
            if name == "bureau" and row["SK_ID_BUREAU"] in balance:
                row[_BALANCE] = balance[row["SK_ID_BUREAU"]]
            record.setdefault(name, []).append(row)
    return records


def _plain_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values, None for missing."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")
