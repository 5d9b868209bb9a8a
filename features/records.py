"""Raw API records (applications with nested history rows) -> the raw tables, one frame per table.

A whole batch becomes ONE frame per table, never one per client: per-call pandas overhead, not the
arithmetic, is what a small batch costs. Rows are linked to their application by nesting, so within a
batch each application is keyed by its position: two records with the same SK_ID_CURR (the same
client scored twice in one batch) stay apart, and history rows need not repeat SK_ID_CURR.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from features.labels import labels
from features.loaders import to_categorical, whole_within
from features.schema import Kind, Table, table

__all__ = ["APPLICATION", "NESTED_TABLES", "TableColumns", "records_to_columns", "records_to_tables",
           "tables_to_records"]

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

#: A history table as :func:`records_to_columns` gives it: its schema's columns, in order, each an
#: array of the schema dtype (a categorical with the schema's levels for a category column).
TableColumns = dict[str, np.ndarray | pd.Categorical]


def records_to_tables(records: Sequence[Mapping[str, Any]]) -> tuple[
        np.ndarray, pd.DataFrame, dict[str, pd.DataFrame]]:
    """Split a batch of raw application records into schema-typed tables keyed by position.

    As :func:`records_to_columns`, with each history table as a frame.
    """
    ids, applications, tables = records_to_columns(records)
    return ids, applications, {name: _frame(table(name), columns) for name, columns in tables.items()}


def records_to_columns(records: Sequence[Mapping[str, Any]]) -> tuple[
        np.ndarray, pd.DataFrame, dict[str, TableColumns]]:
    """Split a batch of raw application records into schema-typed tables keyed by position.

    The history tables come as columns, not frames: the feature families compute on arrays
    (``features.aggregate.columns_of``), and building six frames per batch cost a third of this.

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
    tables : dict of str to TableColumns
        Every history table (no rows when no record has any), in its schema's columns and dtypes,
        SK_ID_CURR = the position of the owning record; SK_ID_BUREAU numbered within the batch.

    Raises
    ------
    ValueError
        If the batch is not a sequence of mappings, a record has no integer SK_ID_CURR, a history
        entry is not a list of mappings, or a history row names another SK_ID_CURR / SK_ID_BUREAU
        than its parent. The message names the record and the field.
    """
    if isinstance(records, str | bytes | Mapping) or not isinstance(records, Sequence):
        raise ValueError(f"records must be a list of application mappings, got {type(records).__name__}")
    ids = [_application_id(i, record) for i, record in enumerate(records)]
    positions = list(range(len(records)))
    # Copied into one block per dtype: its ~100 number columns are read together (Great Expectations,
    # application features), which took 1.0-1.6 ms longer per batch of 16 from one block per column.
    applications = _frame(APPLICATION, _columns(APPLICATION, records, keys={"SK_ID_CURR": positions},
                                                locate=lambda i: _where((i, ids[i], None))), copy=True)
    tables = {}
    for name in NESTED_TABLES:
        rows, owners = [], []
        for i, record in enumerate(records):
            nested = _rows(record, name, key="SK_ID_CURR", parent_id=ids[i], where=(i, ids[i], None))
            rows += nested
            owners += [i] * len(nested)
        locate = functools.partial(_locate, name, owners=owners, ids=ids)
        keys = {"SK_ID_CURR": owners}
        if name == "bureau":
            statuses, numbers = _statuses(rows, owners, ids)
            tables[_BALANCE] = _columns(
                table(_BALANCE), statuses, keys={"SK_ID_BUREAU": numbers},
                locate=lambda i, n=numbers, credit=locate: f"{credit(n[i])}.{_BALANCE}[{i - n.index(n[i])}]")
            keys["SK_ID_BUREAU"] = list(range(len(rows)))
        tables[name] = _columns(table(name), rows, keys=keys, locate=locate)
    return np.array(ids, dtype=np.int32), applications, tables


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


def _rows(parent: Mapping[str, Any], name: str, *, key: str, parent_id: object,
          where: tuple[int, int, object]) -> list[Mapping[str, Any]]:
    """Return the rows `parent` holds under `name` (none if absent), checked against the parent's key.

    `where` is (record position, SK_ID_CURR, bureau credit or None), for error messages only.
    """
    value = parent.get(name)
    if value is None:
        return []
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence):
        raise ValueError(f"{_where(where)}: {name} must be a list of rows, got {type(value).__name__}")
    for j, row in enumerate(value):
        # type() first: the Mapping check is slow, and JSON gives plain dicts.
        if type(row) is not dict and not isinstance(row, Mapping):
            raise ValueError(f"{_where(where)}: {name}[{j}] must be a mapping of column -> value, got "
                             f"{type(row).__name__}")
        own = row.get(key)
        if parent_id is not None and own is not None and own != parent_id:
            raise ValueError(f"{_where(where)}: {name}[{j}] has {key}={own!r} but belongs to "
                             f"{key}={parent_id}; leave {key} out of nested rows or make it match")
    return list(value)


def _where(where: tuple[int, int, object]) -> str:
    position, application_id, credit = where
    text = f"record {position} (SK_ID_CURR={application_id})"
    return text if credit is None else f"{text}, bureau credit {credit}"


def _locate(name: str, row: int, *, owners: list[int], ids: list[int]) -> str:
    """Where row `row` of the batch's table `name` came from, e.g. "record 3 (SK_ID_CURR=7): bureau[1]"."""
    owner = owners[row]
    return f"{_where((owner, ids[owner], None))}: {name}[{row - owners.index(owner)}]"


def _statuses(credits: list[Mapping[str, Any]], owners: list[int],
              ids: list[int]) -> tuple[list[Mapping[str, Any]], list[int]]:
    """Pull the monthly statuses out of the batch's bureau credits, with the number of their credit.

    Credits are numbered 0..n-1 within the batch, so statuses follow their credit by nesting alone,
    whatever identifiers the caller sent.
    """
    statuses, numbers = [], []
    for number, (credit, owner) in enumerate(zip(credits, owners, strict=True)):
        given = credit.get("SK_ID_BUREAU")
        nested = _rows(credit, _BALANCE, key="SK_ID_BUREAU", parent_id=given,
                       where=(owner, ids[owner], number if given is None else given))
        statuses += nested
        numbers += [number] * len(nested)
    return statuses, numbers


def _frame(schema: Table, columns: TableColumns, *, copy: bool = False) -> pd.DataFrame:
    return pd.DataFrame(columns, columns=labels(schema.column_names), copy=copy)


def _columns(schema: Table, rows: Sequence[Mapping[str, Any]], *, keys: dict[str, list[int]],
             locate: Callable[[int], str]) -> TableColumns:
    """Build the schema-typed columns of `rows`, one by one (missing fields are missing values).

    `keys` gives the key columns that nesting implies; other keys the caller left out get
    `_UNKNOWN_ID`. `locate` names the record a row came from, for errors. Each column is converted
    once, straight to its schema dtype: building a frame of raw values for ``cast_to_schema`` first
    cost as much again as the conversion.
    """
    columns: TableColumns = {}
    for column in schema.columns:
        if column.name in keys:
            columns[column.name] = np.asarray(keys[column.name], dtype=np.int32)
            continue
        values = [row.get(column.name) for row in rows]
        if column.kind is Kind.CATEGORY:
            columns[column.name] = to_categorical(values, column, schema)
        elif column.kind is Kind.KEY:
            columns[column.name] = _identifiers([_UNKNOWN_ID if v is None else v for v in values],
                                                column.name, locate)
        else:
            columns[column.name] = _numbers(values, column.name, locate).astype(np.float32)
    return columns


def _numbers(values: list[Any], name: str, locate: Callable[[int], str]) -> np.ndarray:
    """`values` as float64 (None -> NaN), or raise naming the record and field of the first non-number."""
    try:
        return np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        for i, value in enumerate(values):
            try:
                float(np.nan if value is None else value)
            except (TypeError, ValueError):
                raise ValueError(f"{locate(i)}: {name} must be a number or null, got {value!r}") from None
        raise


def _identifiers(values: list[Any], name: str, locate: Callable[[int], str]) -> np.ndarray:
    """`values` as int32, or raise naming the record and field of the first that is not a whole number
    within int32."""
    numbers = _numbers(values, name, locate)
    bad = ~whole_within(numbers, _INT32.min, _INT32.max)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{locate(i)}: {name} must be a whole number in {_INT32.min}..{_INT32.max}, "
                         f"got {values[i]!r}")
    return numbers.astype(np.int32)


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
