"""The feature builder: raw tables -> one model-feature row per application.

Two entry points, one path underneath. :func:`build_features` takes the loader's tables (training,
the demo portfolio); :func:`build_features_from_records` takes what the API receives (application
records with nested history rows). Both give every table the schema's columns and dtypes
(``features.loaders.cast_to_schema``, ``features.records.records_to_columns``) and run the same family
functions, so a client gets the same features whichever way its data arrived.

No feature depends on any other client (no normalisation across the data set), and a client, table
or category the builder has never seen gives missing values, never an error: the columns are always
:func:`features.descriptions.feature_names`, in that order.
"""

from __future__ import annotations

import ctypes
import functools
import itertools
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from tqdm.auto import tqdm

from features.application import application_features
from features.application import descriptions as application_descriptions
from features.combined import INPUTS as COMBINED_INPUTS
from features.combined import combined_features
from features.descriptions import HISTORY_FAMILIES, feature_description, feature_info, feature_names
from features.labels import labels
from features.loaders import cast_to_schema, find_tables, load_tables
from features.records import APPLICATION, TableColumns, records_to_columns
from features.schema import HISTORY_TABLES, Column, Table, table

__all__ = ["build_features", "build_features_from_folder", "build_features_from_records",
           "build_features_from_tables", "feature_description", "feature_info", "feature_names"]

_LABELS = labels(feature_names())
_OWN = _LABELS[:len(application_descriptions())]
#: The history families' features, then the combined ones: everything after the application features.
_BLOCK = _LABELS[len(_OWN):]
_BLOCK_POSITIONS = {name: j for j, name in enumerate(_BLOCK)}
#: Clients whose history a family summarises at a time: its derived columns and working arrays scale
#: with this rather than with the data set (at Kaggle scale, a family took about 1 GB at once).
_CHUNK_CLIENTS = 25_000
#: glibc's malloc_trim; None with another C library (macOS, musl, Windows), which has none.
_MALLOC_TRIM = getattr(ctypes.CDLL(None), "malloc_trim", None) if sys.platform == "linux" else None


def build_features(applications: pd.DataFrame, history: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Build the model features of every application of a data set.

    Parameters
    ----------
    applications : pd.DataFrame
        application_train or application_test rows (TARGET, if present, is ignored); SK_ID_CURR
        unique.
    history : mapping of str to pd.DataFrame
        History tables by Kaggle file stem (see ``features.schema.HISTORY_TABLES``), as returned by
        ``features.loaders.load_tables``; any of them may be absent.

    Returns
    -------
    pd.DataFrame
        One row per application, in input order, index SK_ID_CURR; columns ``feature_names()``:
        numbers float32, application categories as categoricals with the schema's levels. A client
        without rows in a table, or a table absent altogether, has that table's features missing.

    Raises
    ------
    ValueError
        If `applications` has no SK_ID_CURR or repeats one, or `history` has a key that is not a
        history table.
    """
    apps = _checked(applications)
    unknown = set(history) - set(HISTORY_TABLES)
    if unknown:
        raise ValueError(f"history has unknown tables {sorted(unknown)}; expected some of "
                         f"{', '.join(HISTORY_TABLES)}")
    tables = {name: _conform(history[name] if name in history else _no_rows(name), table(name))
              for name in HISTORY_TABLES}
    return build_features_from_tables(apps, tables, ids=apps["SK_ID_CURR"].to_numpy())


def build_features_from_folder(applications: pd.DataFrame, folder: str | Path, *,
                               tables: Iterable[str] = HISTORY_TABLES, workers: int = 2,
                               progress: bool = True) -> tuple[pd.DataFrame, dict[str, int]]:
    """Build the features of `applications` from the history files of a Kaggle-layout folder.

    What ``build_features(applications, load_tables(folder))`` gives, in less memory and time: each
    family reads its tables only while it computes, so a whole data set's history is never in memory
    at once (at Kaggle scale, 1.9 GB), and `workers` families run side by side (file parsing and most
    numpy work release the GIL), the largest files first.

    Parameters
    ----------
    applications : pd.DataFrame
        application_train or application_test rows, as for :func:`build_features`.
    folder : str or Path
        Folder in Kaggle layout (``features.loaders.load_tables``); any history file may be absent.
    tables : iterable of str, default=HISTORY_TABLES
        The history tables to read when present (leave some out to build without them).
    workers : int, default=2
        Families computed at the same time.
    progress : bool, default=True
        Show a tqdm bar, one step per family.

    Returns
    -------
    features : pd.DataFrame
        As :func:`build_features`.
    rows : dict of str to int
        Rows read from each history table found, in schema order.

    Raises
    ------
    ValueError
        As :func:`build_features`, and ``features.loaders.DataFileError`` for a file that does not fit
        the schema.
    """
    apps = _checked(applications)
    _give_back_memory()  # the caller's freshly loaded frames may have been freed just before
    files = find_tables(folder, tables=[table(name).name for name in tables if name in HISTORY_TABLES])
    keys = apps["SK_ID_CURR"].to_numpy()
    block = _empty_block(len(keys))
    rows: dict[str, int] = {}

    def compute(family: ModuleType) -> None:
        present = [name for name in family.TABLES if name in files]
        loaded = load_tables(folder, tables=present, progress=False)
        rows.update({name: len(frame) for name, frame in loaded.items()})
        _fill(block, family, {name: loaded.pop(name) if name in present
                              else _conform(_no_rows(name), table(name)) for name in family.TABLES}, keys)
        _give_back_memory()  # the tables are gone

    def size(family: ModuleType) -> int:
        return sum(files[name].stat().st_size for name in family.TABLES if name in files)

    bar = tqdm(total=len(HISTORY_FAMILIES), desc="building features", unit="family", disable=not progress)
    with ThreadPoolExecutor(max_workers=workers) as pool, bar:
        # Largest first: the small families then fill the time the last large one takes.
        for done in as_completed([pool.submit(compute, family)
                                  for family in sorted(HISTORY_FAMILIES, key=size, reverse=True)]):
            done.result()  # raises what the family raised
            bar.update(1)
    return (_assemble(apps, block, ids=keys),
            {name: rows[name] for name in HISTORY_TABLES if name in rows})


def _checked(applications: pd.DataFrame) -> pd.DataFrame:
    """Return `applications` cast to the schema, after checking that SK_ID_CURR is there and unique."""
    if "SK_ID_CURR" not in applications.columns:
        raise ValueError("applications has no SK_ID_CURR column; pass application_train or "
                         "application_test as loaded by features.loaders.load_tables")
    repeated = applications["SK_ID_CURR"][applications["SK_ID_CURR"].duplicated()]
    if len(repeated):
        raise ValueError(f"applications repeats SK_ID_CURR {repeated.iloc[0]} ({len(repeated)} repeats); "
                         "each application must appear once")
    return _conform(applications, APPLICATION)


def build_features_from_records(applications: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Build the model features of a batch of raw application records, as the API receives them.

    Parameters
    ----------
    applications : sequence of mapping
        One mapping per application: its columns (SK_ID_CURR required, others optional) and
        optional lists of history rows under ``bureau`` (each bureau row may carry its own
        ``bureau_balance`` list), ``previous_application``, ``POS_CASH_balance``,
        ``installments_payments`` and ``credit_card_balance``. History rows may omit SK_ID_CURR.

    Returns
    -------
    pd.DataFrame
        One row per record, in record order, index SK_ID_CURR (the same client twice in a batch gives
        two rows); the same columns and dtypes as :func:`build_features`.

    Raises
    ------
    ValueError
        If the batch is malformed; the message names the record and the field
        (see ``features.records.records_to_columns``).
    """
    ids, apps, tables = records_to_columns(applications)
    return build_features_from_tables(apps, tables, ids=ids)


def _conform(frame: pd.DataFrame, schema: Table) -> pd.DataFrame:
    """Return `frame` cast to `schema`, or `frame` itself when it already has the schema's columns and
    dtypes (as the loader returns it): casting again would copy gigabytes of history for nothing."""
    conforms = list(frame.columns) == schema.column_names and all(
        _has_dtype(frame[c.name], c) for c in schema.columns)
    return frame if conforms else cast_to_schema(frame, schema)


def _has_dtype(values: pd.Series, column: Column) -> bool:
    """Whether `values` has the schema dtype of `column` (categories: the same levels in the same order)."""
    if column.categories:
        return (isinstance(values.dtype, pd.CategoricalDtype) and not values.dtype.ordered
                and values.dtype.categories.equals(pd.Index(column.categories)))
    return values.dtype == np.dtype(column.dtype)


def _no_rows(name: str) -> pd.DataFrame:
    """Stand in for an absent table: no rows, just the keys that ``cast_to_schema`` requires."""
    return pd.DataFrame({key: np.empty(0, dtype=np.int32) for key in table(name).keys})


def build_features_from_tables(applications: pd.DataFrame, tables: Mapping[str, pd.DataFrame | TableColumns],
                               *, ids: np.ndarray) -> pd.DataFrame:
    """Run every family on schema-typed tables and line their rows up with `applications`.

    For a caller that already holds the tables, such as the scorer, which validates the application
    table of ``features.records.records_to_columns`` before building the features from it.

    Parameters
    ----------
    applications : pd.DataFrame
        Applications cast to the ``application_test`` schema, keyed by their SK_ID_CURR column (real
        identifiers or batch positions). Several applications may share a key, and so its history:
        variants of one application (``serving.scoring.Scorer.predict_variants``).
    tables : mapping of str to pd.DataFrame or TableColumns
        Every history table, cast to its schema, keyed by the same SK_ID_CURR values: frames, or
        columns (``features.records.records_to_columns``).
    ids : np.ndarray
        The identifiers to put in the result's index, one per application.

    Returns
    -------
    pd.DataFrame
        As :func:`build_features`.
    """
    keys = applications["SK_ID_CURR"].to_numpy()
    block = _empty_block(len(keys))
    for family in HISTORY_FAMILIES:
        _fill(block, family, tables, keys)
    return _assemble(applications, block, ids=ids)


def _empty_block(rows: int) -> np.ndarray:
    """The history and combined features of `rows` applications, to be filled (see :func:`_fill`).

    Column-major: a family's columns then take memory only once it fills them, so the families read
    and computed first run beside a small part of the block, not all of it (at Kaggle scale, 1 GB).
    """
    return np.empty((rows, len(_BLOCK)), dtype=np.float32, order="F")


def _fill(block: np.ndarray, family: ModuleType, tables: Mapping[str, pd.DataFrame | TableColumns],
          keys: np.ndarray) -> None:
    """Write the features of `family` for the applications keyed `keys` into their columns of `block`
    (missing for an application without history), computing them for a chunk of clients at a time."""
    span = _spans()[family.FAMILY]
    for applications, chunk in _chunks(tables, family.TABLES, keys):
        part = family.compute(chunk)
        assert part.columns.equals(_BLOCK[span]), f"{family.FAMILY}: columns not as catalogued: a bug"
        found = part.index.get_indexer(keys[applications])  # each application's row, -1 without history
        block[applications[found >= 0], span] = part.to_numpy()[found[found >= 0]]
        block[applications[found < 0], span] = np.nan
        if chunk is not tables:  # one chunk of many: its working arrays are garbage now
            _give_back_memory()


def _chunks(tables: Mapping[str, pd.DataFrame | TableColumns], names: Sequence[str],
            keys: np.ndarray) -> Iterator[tuple[np.ndarray, Mapping[str, pd.DataFrame | TableColumns]]]:
    """Split the applications keyed `keys` into chunks of at most `_CHUNK_CLIENTS` clients (ranges of
    SK_ID_CURR), with the rows of the tables `names` that belong to them.

    Yields the positions of each chunk's applications and its tables (`tables` itself when one chunk
    holds every client). A table without SK_ID_CURR (bureau_balance) follows the rows of its parent,
    which comes before it in `names`. A client's rows keep their order, so its features do not depend
    on the chunks.
    """
    clients = np.unique(keys)
    if len(clients) <= _CHUNK_CLIENTS:
        yield np.arange(len(keys)), tables
        return
    bounds = [*clients[::_CHUNK_CLIENTS].tolist(), int(clients[-1]) + 1]
    for low, high in itertools.pairwise(bounds):
        chunk: dict[str, TableColumns] = {}
        for name in names:
            schema = table(name)
            if "SK_ID_CURR" in schema.column_names:
                client = _column(tables[name]["SK_ID_CURR"])
                rows = (client >= low) & (client < high)
            else:
                parent = next(p for p in names if table(p).primary_key == schema.parent_key)
                rows = np.isin(_column(tables[name][schema.parent_key]), chunk[parent][schema.parent_key])
            chunk[name] = {column: _column(values)[rows] for column, values in tables[name].items()}
        yield np.flatnonzero((keys >= low) & (keys < high)), chunk


def _column(values: pd.Series | np.ndarray | pd.Categorical) -> np.ndarray | pd.Categorical:
    """A column of a frame or of table columns as an array (a categorical for categories)."""
    if not isinstance(values, pd.Series):
        return values
    return values.array if isinstance(values.dtype, pd.CategoricalDtype) else values.to_numpy()


def _give_back_memory() -> None:
    """Hand the memory freed so far back to the system: Arrow's allocator keeps it until a delayed
    purge, and glibc's malloc keeps what the threads freed amid their arenas (at Kaggle scale, the
    full build peaked at 2.2-2.5 GB without trimming them, 2.05 GB trimming them after every chunk)."""
    pa.default_memory_pool().release_unused()
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


@functools.cache
def _spans() -> dict[str, slice]:
    """Each history family's columns in the block."""
    spans, start = {}, 0
    for family in HISTORY_FAMILIES:
        spans[family.FAMILY] = slice(start, start + len(family.descriptions()))
        start = spans[family.FAMILY].stop
    return spans


def _assemble(applications: pd.DataFrame, block: np.ndarray, *, ids: np.ndarray) -> pd.DataFrame:
    """Add the application features and the combined ones to `block` (the families' features, filled)
    and return the feature frame (see :func:`build_features`)."""
    own = application_features(applications)
    start = _spans()[HISTORY_FAMILIES[-1].FAMILY].stop
    inputs = {name: own[name].to_numpy() if name in own else block[:, _BLOCK_POSITIONS[name]]
              for name in COMBINED_INPUTS}
    combined = combined_features(inputs)
    assert combined.columns.equals(_BLOCK[start:]), "combined features not as catalogued: a bug"
    block[:, start:] = combined.to_numpy()
    own.index = pd.RangeIndex(len(block))
    # copy=False: pandas keeps the block as it is (the column-major block is its own layout).
    features = pd.concat([own, pd.DataFrame(block, columns=_BLOCK, copy=False)], axis=1)
    features.index = pd.Index(ids, name="SK_ID_CURR")
    assert own.columns.equals(_OWN), "application columns differ from the catalogue: a bug"
    features.columns = _LABELS  # pd.concat made str labels again (features.labels)
    return features
