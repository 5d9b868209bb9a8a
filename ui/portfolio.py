"""The demo portfolio: clients without a known outcome, as raw API records with their history.

The demo folder is the Kaggle layout written by ``python -m synthetic --out data/demo``;
``application_test`` holds the clients an advisor can look up. A client's record is what an API client
would send for it (the brief's record format): the application's columns, plus one list per history
table, each bureau row carrying its own ``bureau_balance`` list. Which table nests under which is read
from `features.schema` (a history table without ``SK_ID_CURR`` nests under the table its key points to).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from features.loaders import load_tables
from features.schema import HISTORY_TABLES, TABLES

__all__ = ["Portfolio", "Record"]

#: One raw application as the API takes it: column name -> value, history table name -> list of rows.
Record = dict[str, Any]

_CLIENTS = "application_test"
_CLIENT_KEY = "SK_ID_CURR"


def _nesting() -> tuple[list[str], dict[str, tuple[str, str]]]:
    """Split the history tables into top-level lists and lists nested in a parent table's rows.

    Returns
    -------
    top : list of str
        Tables with a SK_ID_CURR column, listed directly in the record.
    nested : dict
        Child table -> (parent table, key shared with the parent), e.g.
        ``{"bureau_balance": ("bureau", "SK_ID_BUREAU")}``.
    """
    top, nested = [], {}
    for name in HISTORY_TABLES:
        schema = TABLES[name]
        if _CLIENT_KEY in schema.column_names:
            top.append(name)
        else:
            parent = schema.column(schema.parent_key).references
            assert parent is not None, f"schema: {name}.{schema.parent_key} names no table; a bug"
            nested[name] = (parent, schema.parent_key)
    return top, nested


def _plain(value: Any) -> Any:
    """Turn a pandas/numpy scalar into what JSON carries: int, float, str or None for missing."""
    if value is None or (isinstance(value, float | np.floating) and math.isnan(value)):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


class _Grouped:
    """Rows of one table sorted by a key, sliced per key value with a binary search (no copies)."""

    def __init__(self, frame: pd.DataFrame, key: str) -> None:
        self.frame = frame.sort_values(key, kind="stable").reset_index(drop=True)
        self.keys = self.frame[key].to_numpy()

    def rows(self, value: int) -> pd.DataFrame:
        start = int(np.searchsorted(self.keys, value, side="left"))
        stop = int(np.searchsorted(self.keys, value, side="right"))
        return self.frame.iloc[start:stop]


class Portfolio:
    """Demo clients (application_test rows) and their history, as API records.

    Parameters
    ----------
    tables : mapping of str to pd.DataFrame
        Raw tables with the schema's dtypes (`features.loaders.load_tables` output); must hold
        ``application_test``. Absent history tables give empty lists. History rows of clients that
        are not in ``application_test`` are dropped, so the portfolio keeps only what it can show.

    Raises
    ------
    ValueError
        If `tables` has no ``application_test`` frame.
    """

    def __init__(self, tables: Mapping[str, pd.DataFrame]) -> None:
        if _CLIENTS not in tables:
            raise ValueError(f"the demo portfolio needs the {_CLIENTS} table (clients without a known "
                             f"outcome); got tables {sorted(tables)}")
        clients = tables[_CLIENTS]
        self._clients = clients.set_index(_CLIENT_KEY, drop=False).sort_index()
        self.ids: list[int] = [int(i) for i in self._clients.index]
        top, nested = _nesting()
        self._top: dict[str, _Grouped] = {}
        kept: dict[str, pd.DataFrame] = {}
        for name in top:
            if name in tables:
                frame = tables[name]
                kept[name] = frame[frame[_CLIENT_KEY].isin(self._clients.index)]
                self._top[name] = _Grouped(kept[name], _CLIENT_KEY)
        self._nested: dict[str, tuple[str, str, _Grouped]] = {}
        for name, (parent, key) in nested.items():
            if name in tables and parent in kept:
                frame = tables[name]
                children = frame[frame[key].isin(kept[parent][key])]
                self._nested[name] = (parent, key, _Grouped(children, key))

    @classmethod
    def from_folder(cls, folder: str | Path, *, progress: bool = False) -> Portfolio:
        """Load the demo portfolio from a folder in Kaggle layout (application_test and history).

        Raises
        ------
        features.loaders.DataFileError
            If a file does not fit the schema; the message names the file and the problem.
        ValueError
            If the folder has no application_test file.
        """
        names = [_CLIENTS, *HISTORY_TABLES]
        return cls(load_tables(folder, tables=names, progress=progress))

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, sk_id_curr: object) -> bool:
        return sk_id_curr in self._clients.index

    def record(self, sk_id_curr: int) -> Record:
        """Return the API record of one client: application columns and nested history lists.

        Raises
        ------
        KeyError
            If the client is not in the portfolio; the message says how to score a new client.
        """
        if sk_id_curr not in self:
            raise KeyError(f"SK_ID_CURR={sk_id_curr} is not in the demo portfolio of {len(self)} "
                           "clients; pick a suggested id, or enter the application in the New client tab")
        record: Record = {k: _plain(v) for k, v in self._clients.loc[sk_id_curr].items()}
        for name, grouped in self._top.items():
            record[name] = _rows(grouped.rows(sk_id_curr))
        for name, (parent, key, grouped) in self._nested.items():
            for row in record.get(parent, []):
                row[name] = _rows(grouped.rows(row[key]))
        return record
