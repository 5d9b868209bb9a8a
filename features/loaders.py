"""Read the raw Home Credit tables from a folder in Kaggle layout, with the schema's dtypes.

Two entry points share one conversion, so that a client's raw values end up identical whichever way
they arrived:

- `load_tables` reads a folder of ``<table>.csv``, ``<table>.csv.gz`` or ``<table>.parquet`` files
  (the Kaggle layout) with pyarrow and explicit column types taken from `features.schema`.
- `cast_to_schema` turns any frame of raw values (a loaded file, or the records an API client sent)
  into the schema's column order and dtypes.

Values are returned raw: the ``365243`` "not applicable" placeholder of the DAYS_* columns is kept
(feature code handles it). Numbers are parsed as float64 and then rounded to float32, exactly as a
JSON number reaching the API is.

Rules for imperfect files, all derived from the schema:

- a missing required file (application_train), key column or duplicated primary key is an error;
- a value that is not a number in a number column is an error naming the column, the values and
  their data rows (1-based, the header not counted: data row 1 is file line 2);
- a column the schema marks as never missing (``nullable=False``: keys, TARGET, counts, flags, most
  categories) must be present, otherwise the file is an error; a column that may be missing anyway
  (``nullable=True``) may be absent from a file: it is read as all-missing, with a warning;
- columns the schema does not know are dropped with a warning naming them;
- a category value that is not one of the schema's levels becomes missing, with a warning naming the
  column, the values and their counts (the real test set may hold levels the samples never showed).
"""

from __future__ import annotations

import csv
import gzip
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from features.schema import TABLES, Column, Kind, Table, table

__all__ = ["DataFileError", "cast_to_schema", "find_tables", "load_tables", "to_categorical",
           "whole_within"]

#: File endings read, in the order they are looked for.
SUFFIXES = (".csv", ".csv.gz", ".parquet")

#: Text read as a missing value: the Kaggle files leave the field empty, R and similar tools write NA.
_NULL_VALUES = ["", "NA", "NaN", "nan", "NULL", "null", "N/A", "#N/A"]

# Frames up to this many rows go through the per-value path of cast_to_schema, where pandas'
# per-column overhead would dominate; larger frames through vectorised calls. Chosen when API batches
# went through it (tables of 16 applications, up to ~1,600 rows: 11.1 -> 8.4 ms with 256 rather than
# 64); they no longer do (features.records converts its columns itself), so it now serves small files
# and frames handed to build_features that need casting.
_SMALL_FRAME = 256

#: Bytes of CSV text parsed at a time: Arrow holds one block's columns, in float64, at a time (four of
#: the Kaggle-scale files: 10.1 s of CPU in 1 MB blocks, 10.5 in 4 MB, 12.2 in 16 MB).
_BLOCK_BYTES = 1 << 20

# How many offending values or ids an error message lists before summarising.
_SHOWN = 5

_REQUIRED_TABLE = "application_train"


class DataFileError(ValueError):
    """A data file, or a frame of raw values, that does not fit the schema; the message says where."""


def load_tables(folder: str | Path, *, tables: Iterable[str] | None = None,
                progress: bool = True) -> dict[str, pd.DataFrame]:
    """Read the raw tables found in `folder`, with the schema's column order and dtypes.

    Parameters
    ----------
    folder : str or Path
        Folder in Kaggle layout: one ``<table>.csv``, ``<table>.csv.gz`` or ``<table>.parquet`` per
        table, named by the Kaggle file stem (e.g. ``bureau_balance.csv``).
    tables : iterable of str, optional (default=None)
        The tables to read; None means all eight. ``application_train`` is required whenever it is
        asked for; every other table is optional and simply absent from the result when its file is.
    progress : bool, default=True
        Show a tqdm progress bar, one step per table.

    Returns
    -------
    dict of str to pd.DataFrame
        One frame per table found, keyed by table name, in schema order; keys int32, TARGET int8,
        numbers float32, text columns categoricals with the schema's fixed levels.

    Raises
    ------
    DataFileError
        If the folder or a required file is missing, or a file does not fit the schema (the message
        names the file, the column and the problem).
    KeyError
        If `tables` names an unknown table.
    """
    found = find_tables(folder, tables=tables)
    loaded = {}
    for name, path in tqdm(found.items(), desc="loading tables", unit="table", disable=not progress):
        loaded[name] = _load_file(path, table(name))
    # Arrow's allocator keeps the freed reading buffers (about 1 GB at Kaggle scale) until a delayed
    # purge; hand them back now, before the caller builds features on top of the tables.
    pa.default_memory_pool().release_unused()
    return loaded


def find_tables(folder: str | Path, *, tables: Iterable[str] | None = None) -> dict[str, Path]:
    """Return the file of each table found in `folder`, by table name, in the order asked for.

    Parameters
    ----------
    folder : str or Path
        Folder in Kaggle layout (see :func:`load_tables`).
    tables : iterable of str, optional (default=None)
        The tables to look for; None means all eight.

    Raises
    ------
    DataFileError
        If the folder is missing, ``application_train`` is asked for and has no file, or a table has
        more than one file.
    KeyError
        If `tables` names an unknown table.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataFileError(f"data folder {folder} does not exist; pass the folder holding the Kaggle CSVs")
    names = list(TABLES) if tables is None else [table(name).name for name in tables]
    found = {name: path for name in names if (path := _find_file(folder, name)) is not None}
    if _REQUIRED_TABLE in names and _REQUIRED_TABLE not in found:
        raise DataFileError(f"{folder} has no {_REQUIRED_TABLE} file; expected one of "
                            + ", ".join(_REQUIRED_TABLE + s for s in SUFFIXES))
    return found


def cast_to_schema(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Return `frame` with exactly the columns of `table`, in schema order and with schema dtypes.

    Columns the schema does not know are left out; schema columns absent from `frame` are added as
    all-missing (except keys and TARGET, which cannot be missing). Category values outside the
    schema's levels become missing, with a warning. The input is not modified; the result may share
    memory with it where no conversion was needed.

    Parameters
    ----------
    frame : pd.DataFrame
        Raw values of one table: numbers as numbers or numeric text, categories as text or
        categoricals, missing values as None/NaN.
    table : Table
        The schema of the table (``features.schema.table(name)``).

    Returns
    -------
    pd.DataFrame
        Same index and rows as `frame`; keys int32, TARGET int8, numbers float32, category columns
        categoricals with the schema's levels.

    Raises
    ------
    DataFileError
        If a key or TARGET is absent or missing, or a number column holds a value that is not a
        number; the message names the column, the values and their rows (1-based positions).
    """
    if frame.columns.has_duplicates:
        duplicated = frame.columns[frame.columns.duplicated()].unique()
        raise DataFileError(f"column(s) {', '.join(map(str, duplicated))} appear more than once")
    if len(frame) <= _SMALL_FRAME:
        numbers, categories = _small_frame(frame, table)
    else:
        numbers = _numbers_by_column(frame, table)
        categories = {col.name: _categorical(frame, col, table) for col in table.categorical}
    out = {col.name: numbers[col.name] if col.kind is Kind.NUMBER
           else categories[col.name] if col.kind is Kind.CATEGORY
           else _integers(frame, col, table) for col in table.columns}
    return pd.DataFrame(out, index=frame.index, copy=False)


# --- reading files ---------------------------------------------------------------------------------

def _find_file(folder: Path, name: str) -> Path | None:
    """Return the one file holding table `name` in `folder`, or None when there is none."""
    candidates = [folder / (name + suffix) for suffix in SUFFIXES if (folder / (name + suffix)).is_file()]
    if len(candidates) > 1:
        raise DataFileError(f"{folder} holds table {name} more than once ("
                            + ", ".join(p.name for p in candidates) + "); keep only one of them")
    return candidates[0] if candidates else None


def _load_file(path: Path, schema: Table) -> pd.DataFrame:
    """Read one file and return it cast to `schema`, after the column checks."""
    header = pq.read_schema(path).names if path.suffix == ".parquet" else _csv_header(path)
    present = _check_columns(header, path, schema)
    try:
        if path.suffix == ".parquet":
            frame = pq.read_table(path, columns=present).to_pandas()
        else:
            frame = _read_csv(path, schema, present)
        frame = cast_to_schema(frame, schema)
    except DataFileError as exc:
        raise DataFileError(f"{path.name}: {exc}") from None
    _check_unique(frame, path, schema)
    return frame


def _csv_header(path: Path) -> list[str]:
    """Return the column names on the first line of a CSV file (plain or gzip)."""
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", newline="", encoding="utf-8-sig") as f:
        header = next(csv.reader(f), None)
    if not header:
        raise DataFileError(f"{path.name} is empty; expected a header line with the column names")
    return header


def _check_columns(header: list[str], path: Path, schema: Table) -> list[str]:
    """Apply the column rules (see the module docstring); return the schema columns present."""
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise DataFileError(f"{path.name}: column(s) {', '.join(duplicated)} appear more than once")
    known = set(schema.column_names)
    extra = [name for name in header if name not in known]
    if extra:
        warnings.warn(f"{path.name}: column(s) not in the {schema.name} schema, dropped: {', '.join(extra)}",
                      stacklevel=4)
    absent = [col for col in schema.columns if col.name not in header]
    required = [col.name for col in absent if not col.nullable]
    if required:
        raise DataFileError(f"{path.name}: required column(s) {', '.join(required)} missing; "
                            f"the {schema.name} file must have them (check the header line)")
    if absent:
        warnings.warn(f"{path.name}: column(s) {', '.join(c.name for c in absent)} missing, "
                      "read as all-missing", stacklevel=4)
    return [name for name in schema.column_names if name in header]


def _read_csv(path: Path, schema: Table, present: list[str]) -> pd.DataFrame:
    """Read a CSV with the schema's types; on a conversion failure, re-read as text to find why."""
    try:
        return _typed_csv(path, schema, present)
    except pa.ArrowInvalid:
        pass
    # Slow path, only for a file that does not parse: as text, cast_to_schema names the bad values.
    convert = _convert_options(present, dict.fromkeys(present, pa.string()))
    try:
        return pacsv.read_csv(path, convert_options=convert).to_pandas(split_blocks=True, self_destruct=True)
    except pa.ArrowInvalid as exc:
        raise DataFileError(f"{path.name} is not a well-formed CSV file: {exc}") from None


def _convert_options(present: list[str], types: dict[str, pa.DataType]) -> pacsv.ConvertOptions:
    return pacsv.ConvertOptions(column_types=types, include_columns=present, null_values=_NULL_VALUES,
                                strings_can_be_null=True, quoted_strings_can_be_null=True)


def _typed_csv(path: Path, schema: Table, present: list[str]) -> pd.DataFrame:
    """Read a CSV block by block into one array per column: numbers rounded to float32, categories as
    the codes of the schema's levels (a level the schema lacks becomes missing, with a warning).

    Parsed whole, a file sits in memory as float64 beside its float32 copy, and the Arrow memory
    freed afterwards stays with Arrow's allocator, whose pages the columns' blocks share (at Kaggle
    scale, installments peaked at 1.2 GB for a 0.4 GB table). Block by block, Arrow holds one block
    at a time and each column is written into an array of its own.

    Raises
    ------
    pyarrow.ArrowInvalid
        If a value does not parse as its type, or a key or TARGET value is missing (the caller then
        reads the file as text, and ``cast_to_schema`` names the values and rows).
    """
    columns = [schema.column(name) for name in present]
    convert = _convert_options(present, {c.name: _arrow_type(c) for c in columns})
    reader = pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=_BLOCK_BYTES),
                            convert_options=convert)
    arrays = {c.name: np.empty(0, np.int8 if c.kind is Kind.CATEGORY else c.dtype) for c in columns}
    unknown: dict[str, Counter[str]] = {c.name: Counter() for c in columns if c.kind is Kind.CATEGORY}
    rows = capacity = 0
    for batch in reader:
        end = rows + batch.num_rows
        if end > capacity:
            # The first block tells about how many rows the file holds; a file that holds more (a
            # compressed one: its size understates the text) grows the arrays by half.
            capacity = max(end, _expected_rows(path, batch.num_rows) if rows == 0 else capacity * 3 // 2)
            arrays = {name: _grown(values, rows, capacity) for name, values in arrays.items()}
        for column, values in zip(columns, batch.columns, strict=True):
            if column.kind is Kind.CATEGORY:
                arrays[column.name][rows:end] = _level_codes_of(values, column, unknown[column.name])
            elif values.null_count and column.kind is not Kind.NUMBER:
                raise pa.ArrowInvalid(f"missing value in column {column.name}")
            else:  # numbers parsed as float64 are rounded to float32 here, block by block
                arrays[column.name][rows:end] = values.to_numpy(zero_copy_only=False)
        rows = end
    for column in columns:
        if unknown.get(column.name):
            _warn_unknown(pd.Series(unknown[column.name]).sort_values(ascending=False, kind="stable"),
                          column, schema)
    return pd.DataFrame({c.name: pd.Categorical.from_codes(arrays[c.name][:rows], dtype=_category_dtype(c))
                         if c.kind is Kind.CATEGORY else arrays[c.name][:rows] for c in columns}, copy=False)


def _level_codes_of(values: pa.DictionaryArray, column: Column, unknown: Counter[str]) -> np.ndarray:
    """The codes of a block of a category column in the schema's levels (-1 for missing), counting the
    values the schema does not know into `unknown`."""
    lookup = _level_codes(column)
    levels = values.dictionary.to_pylist()
    # One more entry, for the missing values (index -1).
    codes = np.array([lookup.get(level, -1) for level in levels] + [-1], dtype=np.int8)
    indices = values.indices.fill_null(-1).to_numpy()
    strange = [i for i, level in enumerate(levels) if level not in lookup]
    if strange:
        counts = np.bincount(indices[indices >= 0], minlength=len(levels))
        unknown.update({levels[i]: int(counts[i]) for i in strange if counts[i]})
    return codes[indices]


def _expected_rows(path: Path, first_rows: int) -> int:
    """Rows of a CSV file whose first block held `first_rows`, with 5% to spare (the spare part of an
    array is never written, so it takes no memory)."""
    size = path.stat().st_size
    return int(first_rows * size / min(size, _BLOCK_BYTES) * 1.05) + 1


def _grown(values: np.ndarray, filled: int, capacity: int) -> np.ndarray:
    """A `capacity`-long array holding the first `filled` values of `values`."""
    grown = np.empty(capacity, dtype=values.dtype)
    grown[:filled] = values[:filled]
    return grown


def _arrow_type(col: Column) -> pa.DataType:
    """Type to parse a column's text as: float64 for numbers, so rounding matches the API's path (a
    JSON number is a float64 first), the schema's integer type for keys and TARGET (a value out of its
    range fails the parse, and the slow path names it)."""
    if col.kind is Kind.CATEGORY:
        return pa.dictionary(pa.int32(), pa.string())
    if col.kind is Kind.NUMBER:
        return pa.float64()
    return pa.from_numpy_dtype(np.dtype(col.dtype))


def _check_unique(frame: pd.DataFrame, path: Path, schema: Table) -> None:
    if schema.primary_key is None:
        return
    keys = frame[schema.primary_key]
    duplicated = keys[keys.duplicated()].unique()
    if len(duplicated):
        raise DataFileError(f"{path.name}: {schema.primary_key} must be unique; {len(duplicated)} id(s) "
                            f"appear more than once: {_listing(duplicated)}")


# --- converting columns ----------------------------------------------------------------------------

def _small_frame(frame: pd.DataFrame, schema: Table) -> tuple[dict[str, np.ndarray],
                                                            dict[str, pd.Categorical]]:
    """Convert the number and category columns of a frame of a few rows (typically one API record).

    Pandas' per-column overhead would dominate here, so the whole frame becomes one object block and
    the conversion works on that. Same results as the per-column path for larger frames.
    """
    # A trailing all-missing column stands in for the schema columns the frame lacks (indexer -1).
    block = np.concatenate([frame.to_numpy(dtype=object), np.full((len(frame), 1), None, dtype=object)],
                           axis=1)
    number_names = [col.name for col in schema.numeric]
    numeric = block[:, frame.columns.get_indexer(number_names)]
    try:
        floats = np.where(pd.isna(numeric), np.nan, numeric).astype(np.float64).astype(np.float32)
        numbers = {name: floats[:, j] for j, name in enumerate(number_names)}
    except (TypeError, ValueError):
        # Some value is not a plain number: the per-column path parses it or names it in its error.
        numbers = _numbers_by_column(frame, schema)
    texts = block[:, frame.columns.get_indexer([col.name for col in schema.categorical])]
    categories = {col.name: to_categorical(texts[:, j], col, schema)
                  for j, col in enumerate(schema.categorical)}
    return numbers, categories


def to_categorical(values: Sequence[object], column: Column, schema: Table) -> pd.Categorical:
    """Return raw values of a category column as a categorical with the schema's levels.

    Values that are not among the levels (text or not) become missing, with a warning that names them.
    One dictionary lookup per value: for the few hundred values of an API batch, cheaper than pandas'
    vectorised indexer and its per-call overhead.

    Parameters
    ----------
    values : sequence
        The column's values: text, or None/NaN for missing.
    column : Column
        The category column of `schema` they belong to.
    schema : Table
        Its table, for the warning.
    """
    lookup = _level_codes(column)
    codes = [lookup.get(v, -1) if isinstance(v, str) else -1 for v in values]
    unknown = [v for v, code in zip(values, codes, strict=True) if code == -1 and not _is_missing(v)]
    if unknown:
        _warn_unknown(pd.Series(unknown, dtype=object).astype(str).value_counts(), column, schema)
    return pd.Categorical.from_codes(codes, dtype=_category_dtype(column))


def _is_missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float | np.floating) and np.isnan(value))


def _numbers_by_column(frame: pd.DataFrame, schema: Table) -> dict[str, np.ndarray]:
    missing = np.full(len(frame), np.nan, dtype=np.float32)
    return {col.name: _float32(frame[col.name], schema) if col.name in frame else missing
            for col in schema.numeric}


def _float32(values: pd.Series, schema: Table) -> np.ndarray:
    if values.dtype == np.float32:
        return values.to_numpy()
    return _float64(values, schema).astype(np.float32)


def _float64(values: pd.Series, schema: Table) -> np.ndarray:
    """Return `values` as float64, refusing text that is not a number."""
    if pd.api.types.is_numeric_dtype(values.dtype) and not isinstance(values.dtype, pd.CategoricalDtype):
        return values.to_numpy(dtype=np.float64, na_value=np.nan)
    parsed = pd.to_numeric(values, errors="coerce")
    bad = parsed.isna().to_numpy() & values.notna().to_numpy()
    if bad.any():
        raise DataFileError(f"column {values.name} of {schema.name} must hold numbers; "
                            f"{_rows(values, bad)}; fix or empty these cells")
    return parsed.to_numpy(dtype=np.float64, na_value=np.nan)


def _integers(frame: pd.DataFrame, col: Column, schema: Table) -> np.ndarray:
    """Return a key or target column as int32/int8, refusing absent, missing or out-of-range values."""
    if col.name not in frame:
        raise DataFileError(f"column {col.name} of {schema.name} is required and absent")
    values = frame[col.name]
    info = np.iinfo(col.dtype)
    low = info.min if col.low is None else col.low
    high = info.max if col.high is None else col.high
    if values.dtype == np.dtype(col.dtype):  # parsed as such: whole and never missing
        numbers = values.to_numpy()
        bad = (numbers < low) | (numbers > high)
        if not bad.any():
            return numbers
    # float64 holds every int32 exactly, and lets missing and fractional values be found.
    numbers = _float64(values, schema)
    bad = ~whole_within(numbers, low, high)
    if bad.any():
        raise DataFileError(f"column {col.name} of {schema.name} must hold whole numbers in "
                            f"[{low}, {high}] and no missing values; {_rows(values, bad)}")
    return numbers.astype(col.dtype)


def whole_within(numbers: np.ndarray, low: float, high: float) -> np.ndarray:
    """Return where `numbers` (float64) are whole numbers in [`low`, `high`]; missing values are not."""
    with np.errstate(invalid="ignore"):
        return (numbers >= low) & (numbers <= high) & (numbers == np.round(numbers))


def _categorical(frame: pd.DataFrame, col: Column, schema: Table) -> pd.Categorical:
    dtype = _category_dtype(col)
    if col.name not in frame:
        return pd.Categorical.from_codes(np.full(len(frame), -1, dtype=np.int8), dtype=dtype)
    values = frame[col.name]
    if isinstance(values.dtype, pd.CategoricalDtype):
        # Equal dtypes may still list the levels in another order, hence the check on the index.
        if values.dtype.categories.equals(dtype.categories):
            return values.array
        # Map the few levels, then the codes: no per-row hashing.
        mapping = np.append(dtype.categories.get_indexer(values.cat.categories), -1).astype(np.int16)
        codes = mapping[values.cat.codes.to_numpy()]
    else:
        codes = dtype.categories.get_indexer(values.to_numpy())
    unknown = (codes == -1) & values.notna().to_numpy()
    if unknown.any():
        _warn_unknown(values[unknown].astype(str).value_counts(), col, schema)
    return pd.Categorical.from_codes(codes, dtype=dtype)


def _warn_unknown(counts: pd.Series, col: Column, schema: Table) -> None:
    """Warn that the values counted in `counts` (value -> rows, most frequent first) became missing."""
    shown = ", ".join(f"{level!r} ({n})" for level, n in counts.head(_SHOWN).items())
    more = f" and {len(counts) - _SHOWN} more" if len(counts) > _SHOWN else ""
    # stacklevel 4: the caller of cast_to_schema (or of the loader's internal call).
    warnings.warn(f"column {col.name} of {schema.name}: {counts.sum()} value(s) not among the schema "
                  f"levels, read as missing: {shown}{more}", stacklevel=4)


@cache
def _category_dtype(col: Column) -> pd.CategoricalDtype:
    return pd.CategoricalDtype(list(col.categories))


@cache
def _level_codes(col: Column) -> dict[str, int]:
    return {level: i for i, level in enumerate(col.categories)}


def _rows(values: pd.Series, bad: np.ndarray) -> str:
    """Describe the offending values of a column and their 1-based row numbers."""
    positions = np.flatnonzero(bad)
    shown = ", ".join(f"{values.iloc[i]!r} at row {i + 1}" for i in positions[:_SHOWN])
    more = f" and {len(positions) - _SHOWN} more" if len(positions) > _SHOWN else ""
    return (f"{len(positions)} value(s) do not: {shown}{more} (rows are 1-based data rows, "
            "the header not counted: row 1 is file line 2)")


def _listing(values: np.ndarray) -> str:
    shown = ", ".join(str(v) for v in values[:_SHOWN])
    return shown + (f" and {len(values) - _SHOWN} more" if len(values) > _SHOWN else "")
