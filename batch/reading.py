"""Read one block of a table for portfolio scoring: schema dtypes, and every value the API would refuse.

The training loader (``features.loaders``) stops at a file's first bad value; a portfolio run goes on
and rejects the applications the bad values belong to. So each block is read into the schema's dtypes
(numbers parsed as float64 then rounded to float32, exactly as the API and the loader do), and every
value the API's request model would refuse (``serving.requests``: not a number, not a whole number, out
of the schema's hard limits, not a category level, infinite) is kept as it was in the file, as JSON, in
the row's :data:`REFUSED` column; the partition step hands those values to the request model itself,
for its decision and its wording (``batch.partition``). A line that does not split into the header's
fields is kept as a row without a usable SK_ID_CURR.

History rows of clients of the other application table are dropped as they are read: the real
Kaggle history tables hold the rows of both tables' clients, and only this run's are needed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from batch.folder import Block
from features.loaders import cast_to_schema, whole_within
from features.schema import Column, Kind, Table, table
from serving.requests import MAX_WHOLE_NUMBER

__all__ = ["MALFORMED", "NO_KEY", "REFUSED", "SPARSE_SHARE", "Keep", "no_rows", "owners_of", "read_block",
           "read_keys", "schema_of"]

#: Column of a read block: JSON object of the row's values the API would refuse ({column: value as in
#: the file}), missing when there is none.
REFUSED = "_REFUSED"
#: Key of :data:`REFUSED` for a line that does not split into the header's fields (its problem, in words).
MALFORMED = "<line>"
#: SK_ID_CURR (or SK_ID_BUREAU) of a row whose key is missing or unusable: it belongs to no application.
NO_KEY = -1
#: Highest id of a key column (int32), as the API's request model allows.
_MAX_ID = 2**31 - 1
#: Below this share of rows kept, a CSV block is read in two passes (see `Keep.sparse`).
SPARSE_SHARE = 0.5
_NULL_VALUES = ["", "NA", "NaN", "nan", "NULL", "null", "N/A", "#N/A"]
_ROW_BITS = 32


def schema_of(name: str) -> Table:
    """Return the schema a table is read with: application_test's for both application tables.

    TARGET is not read: the API never takes it, and scoring does not need it.
    """
    return table("application_test" if name.startswith("application_") else name)


@dataclass(frozen=True)
class Keep:
    """Which history rows a run needs: those of its clients, and those of no known client (to report).

    Parameters
    ----------
    scored : pd.Index
        SK_ID_CURR of the applications scored.
    others : pd.Index
        SK_ID_CURR of the other application table: their rows are dropped.
    owners : pd.Series or None, default=None
        For bureau_balance: SK_ID_CURR of each kept bureau credit, indexed by SK_ID_BUREAU (unique);
        monthly statuses of any other credit are dropped.
    sparse : bool, default=False
        Whether few rows are kept (``batch.folder.Portfolio.kept_share`` below :data:`SPARSE_SHARE`):
        each CSV block is then parsed twice, its key column alone first, then only the lines kept.
        Parsing the key column cost 43% of parsing every column (0.64 against 1.49 s of CPU for
        256 MB of installments_payments), so this pays when less than about half is kept.
    """

    scored: pd.Index
    others: pd.Index
    owners: pd.Series | None = None
    sparse: bool = False


def read_block(block: Block, *, keep: Keep | None = None) -> pd.DataFrame:
    """Read one block into the schema's columns and dtypes, with the values the API would refuse.

    Parameters
    ----------
    block : Block
        The block (``batch.folder.Portfolio.blocks``).
    keep : Keep, optional
        For a history table: which rows to keep (default: all rows; bureau_balance needs it).

    Returns
    -------
    pd.DataFrame
        The schema's columns (``schema_of``), keys int32 (:data:`NO_KEY` where missing or unusable),
        numbers float32, categories with the schema's levels (missing where not a level), then
        :data:`REFUSED`; bureau_balance also gets the SK_ID_CURR of its credit's client. The index
        orders the rows as in the file across the blocks of a file (block number, then line).
    """
    schema = schema_of(block.file.name)
    statuses = block.file.name == "bureau_balance"
    malformed: list[str] = []
    lines = _kept_lines(block, schema, keep) if keep is not None and keep.sparse else None
    raw = _read_arrow(block, schema, malformed, text=None if lines is None else lines[0])
    refused: dict[int, dict[str, object]] = {}
    keys = _keys(raw, schema, keep, refused, statuses=statuses)
    rows = _kept_rows(keys, keep, statuses=statuses)
    if rows is not None:
        raw, keys, refused = raw.take(rows), {k: v[rows] for k, v in keys.items()}, _renumbered(refused, rows)
    columns = {column.name: keys[column.name] if column.kind is Kind.KEY
               else _category_column(raw, column, refused) if column.kind is Kind.CATEGORY
               else _number_column(raw, column, refused) for column in schema.columns}
    columns.update((key, values) for key, values in keys.items() if key not in columns)
    order = np.arange(len(raw), dtype=np.int64) if rows is None else rows.astype(np.int64)
    if lines is not None:  # positions among the lines kept -> lines of the block
        order = lines[1][order]
    if malformed:
        after = int(order[-1]) + 1 if len(order) else 0
        for i, problem in enumerate(malformed):
            refused[len(order) + i] = {MALFORMED: problem}
        columns = {name: _extended(values, len(malformed)) for name, values in columns.items()}
        order = np.concatenate([order, after + np.arange(len(malformed), dtype=np.int64)])
    columns[REFUSED] = _refused_column(refused, len(order))
    return pd.DataFrame(columns, index=pd.Index((block.number << _ROW_BITS) + order, name="_ROW"), copy=False)


def _keys(raw: pa.Table, schema: Table, keep: Keep | None, refused: dict[int, dict[str, object]], *,
          statuses: bool, names: list[str] | None = None) -> dict[str, np.ndarray]:
    """The key columns of a block (or `names` of them) as int32, :data:`NO_KEY` where unusable;
    bureau_balance also gets its credits' SK_ID_CURR."""
    keys = {key: _key_column(raw, schema.column(key), refused) for key in names or schema.keys}
    if statuses:
        assert keep is not None and keep.owners is not None, "bureau_balance read without owners: a bug"
        owner = keep.owners.reindex(keys["SK_ID_BUREAU"]).to_numpy(dtype=np.float64)
        keys["SK_ID_CURR"] = np.where(np.isnan(owner), NO_KEY, owner).astype(np.int32)
    return keys


def _kept_lines(block: Block, schema: Table, keep: Keep) -> tuple[pa.Buffer, np.ndarray] | None:
    """The lines of a CSV block that `keep` keeps, found from its key column alone, and their numbers
    among the block's data lines; None to read the whole block (not a byte range, every line kept, or
    lines that the key pass cannot number: empty ones, lines that do not split, keys that are text)."""
    if block.stop == 0 or block.file.path.suffix == ".parquet":
        return None
    text = _line_range(block)
    key = schema.parent_key if block.file.name == "bureau_balance" else "SK_ID_CURR"
    try:
        raw = _parse(text, block.file.header, [key], {key: pa.float64()}, skip=int(block.start == 0))
    except pa.ArrowInvalid:
        return None
    data = np.frombuffer(text, dtype=np.uint8)
    ends = np.flatnonzero(data == ord("\n")) + 1
    if len(data) and data[-1] != ord("\n"):
        ends = np.append(ends, len(data))
    header = int(block.start == 0)
    if len(ends) - header != len(raw):
        return None
    statuses = block.file.name == "bureau_balance"
    rows = _kept_rows(_keys(raw, schema, keep, {}, statuses=statuses, names=[key]), keep, statuses=statuses)
    if rows is None:
        return None
    kept = np.zeros(len(ends) + 2, dtype=np.int8)
    kept[rows + header + 1] = 1
    # Runs of kept lines (a client's rows are usually together) copied whole: a mask of every byte
    # cost as much as parsing the kept lines.
    edges = np.flatnonzero(np.diff(kept))
    offsets = np.concatenate([[0], ends])
    runs = zip(offsets[edges[::2]], offsets[edges[1::2]], strict=True)
    return pa.py_buffer(np.concatenate([np.empty(0, dtype=np.uint8), *(data[a:b] for a, b in runs)])), rows


def owners_of(bureau: pd.DataFrame) -> pd.Series:
    """SK_ID_CURR of each bureau credit read, indexed by SK_ID_BUREAU (the first row of a repeated one)."""
    usable = bureau[(bureau["SK_ID_BUREAU"] != NO_KEY) & (bureau["SK_ID_CURR"] != NO_KEY)]
    first = ~usable["SK_ID_BUREAU"].duplicated().to_numpy()
    return pd.Series(usable["SK_ID_CURR"].to_numpy()[first], index=usable["SK_ID_BUREAU"].to_numpy()[first])


def no_rows(name: str) -> pd.DataFrame:
    """A table without rows, as `read_block` gives one: stands in for a history table not in the folder."""
    schema = schema_of(name)
    frame = cast_to_schema(pd.DataFrame({key: np.empty(0, dtype=np.int32) for key in schema.keys}), schema)
    extra = {"SK_ID_CURR": np.empty(0, dtype=np.int32)} if name == "bureau_balance" else {}
    return pd.concat([frame, pd.DataFrame({**extra, REFUSED: pd.array([], dtype="str")})], axis=1) \
        .rename_axis("_ROW").astype({REFUSED: "str"})


def read_keys(block: Block) -> np.ndarray:
    """Return the usable SK_ID_CURR of one block of an application table (int32; unusable ones left out)."""
    schema = schema_of(block.file.name)
    raw = _read_arrow(block, schema, [], columns=("SK_ID_CURR",))
    keys = _key_column(raw, schema.column("SK_ID_CURR"), {})
    return keys[keys != NO_KEY]


# --- reading text and Parquet ------------------------------------------------------------------------

def _read_arrow(block: Block, schema: Table, malformed: list[str], columns: tuple[str, ...] | None = None,
                text: pa.Buffer | None = None) -> pa.Table:
    """Read a block's schema columns (or `columns`), or those of `text`, some of its data lines; lines
    that do not split are added to `malformed`."""
    wanted = [name for name in (columns or schema.column_names) if name in block.file.header]
    if block.file.path.suffix == ".parquet":
        return pq.ParquetFile(block.file.path).read_row_group(block.start, columns=wanted)
    if text is not None:
        source, skip = text, 0
    else:
        source, skip = (block.file.path if block.stop == 0 else _line_range(block)), int(block.start == 0)
    typed = {name: _arrow_type(schema.column(name)) for name in wanted}
    try:
        return _parse(source, block.file.header, wanted, typed, skip=skip, malformed=malformed)
    except pa.ArrowInvalid:  # a value that does not parse as its type: read as text, to find which
        malformed.clear()
        return _parse(source, block.file.header, wanted, dict.fromkeys(wanted, pa.string()), skip=skip,
                      malformed=malformed)


def _parse(source: Path | pa.Buffer, header: tuple[str, ...], wanted: list[str],
           types: dict[str, pa.DataType], *, skip: int, malformed: list[str] | None = None) -> pa.Table:
    """Parse CSV text (a file, or lines of one) with the header's names; without `malformed`, a line
    that does not split raises ``pyarrow.ArrowInvalid``."""
    def skipped(row: pacsv.InvalidRow) -> str:
        assert malformed is not None, "invalid rows skipped without a list: a bug"
        malformed.append(f"the line has {row.actual_columns} fields where the header has "
                         f"{row.expected_columns}: {row.text[:80]}")
        return "skip"

    read = pacsv.ReadOptions(column_names=list(header), skip_rows=skip, block_size=1 << 24)
    convert = pacsv.ConvertOptions(column_types=types, include_columns=wanted, null_values=_NULL_VALUES,
                                   strings_can_be_null=True, quoted_strings_can_be_null=True)
    parse = pacsv.ParseOptions(invalid_row_handler=skipped if malformed is not None else None)
    if isinstance(source, pa.Buffer):
        if source.size == 0:  # no line starts in the block, or none is kept; Arrow refuses empty text
            return pa.table({name: pa.array([], type=types[name]) for name in wanted})
        source = pa.BufferReader(source)
    return pacsv.read_csv(source, read_options=read, parse_options=parse, convert_options=convert)


def _line_range(block: Block) -> pa.Buffer:
    """The lines that start in [block.start, block.stop) of a plain text file, mapped, not copied."""
    whole = pa.memory_map(str(block.file.path)).read_buffer()
    begin, end = _line_start(whole, block.start), _line_start(whole, block.stop)
    return whole.slice(begin, end - begin)


def _line_start(text: pa.Buffer, offset: int) -> int:
    """The offset of the first line that starts at or after `offset` (the text's size if none does)."""
    if offset == 0:
        return 0
    position = offset - 1
    while position < text.size:
        newline = text[position:position + (1 << 16)].to_pybytes().find(b"\n")
        if newline >= 0:
            return position + newline + 1
        position += 1 << 16
    return text.size


def _arrow_type(column: Column) -> pa.DataType:
    """Type a column's text is parsed as: float64 for numbers and keys (as the API's JSON numbers)."""
    return pa.dictionary(pa.int32(), pa.string()) if column.kind is Kind.CATEGORY else pa.float64()


# --- converting columns, and finding what the API would refuse -------------------------------------

def _key_column(raw: pa.Table, column: Column, refused: dict[int, dict[str, object]]) -> np.ndarray:
    """A key column as int32, :data:`NO_KEY` where it is missing or not an id (those refused)."""
    values, text = _floats(raw, column.name)
    usable = whole_within(values, 0, _MAX_ID)
    _refuse(refused, column.name, ~usable & ~np.isnan(values), values, text)
    return np.where(usable, values, NO_KEY).astype(np.int32)


def _number_column(raw: pa.Table, column: Column, refused: dict[int, dict[str, object]]) -> np.ndarray:
    """A number column as float32; values the request model would refuse are added to `refused`."""
    values, text = _floats(raw, column.name)
    _refuse(refused, column.name, _refused_numbers(values, column), values, text)
    return values.astype(np.float32)


def _refused_numbers(values: np.ndarray, column: Column) -> np.ndarray:
    """Where the request model refuses a number of `column` (missing values are accepted).

    Its rules, from the same schema (``serving.requests``): finite; a whole number where the file
    writes whole numbers, within +-MAX_WHOLE_NUMBER; within the hard limits, or the sentinel.
    """
    whole = column.written_as_int
    low = column.low if column.low is not None else (-MAX_WHOLE_NUMBER if whole else -np.inf)
    high = column.high if column.high is not None else (MAX_WHOLE_NUMBER if whole else np.inf)
    with np.errstate(invalid="ignore"):
        accepted = (values >= low) & (values <= high) & np.isfinite(values)
        if column.sentinel is not None:
            accepted |= values == column.sentinel
        if whole:
            accepted &= values == np.round(values)
    return ~accepted & ~np.isnan(values)


def _floats(raw: pa.Table, name: str) -> tuple[np.ndarray, np.ndarray | None]:
    """A column as float64 (NaN for missing or not a number), and its text when it was read as text."""
    if name not in raw.column_names:
        return np.full(len(raw), np.nan), None
    values = raw[name]
    kind = values.type
    if pa.types.is_floating(kind) or pa.types.is_integer(kind) or pa.types.is_decimal(kind):
        return values.cast(pa.float64()).to_numpy(zero_copy_only=False), None
    text = values.cast(pa.string()).to_numpy(zero_copy_only=False)
    return pd.to_numeric(pd.Series(text, dtype=object), errors="coerce").to_numpy(dtype=np.float64), text


def _refuse(refused: dict[int, dict[str, object]], name: str, numbers_refused: np.ndarray, values: np.ndarray,
            text: np.ndarray | None) -> None:
    """Record the refused numbers of a column, and its text that is not a number, as the file held them."""
    for row in np.flatnonzero(numbers_refused):
        refused.setdefault(int(row), {})[name] = float(values[row])
    if text is not None:
        for row in np.flatnonzero(np.isnan(values) & pd.notna(text)):
            refused.setdefault(int(row), {})[name] = str(text[row])


def _category_column(raw: pa.Table, column: Column, refused: dict[int, dict[str, object]]) -> pd.Categorical:
    """A category column with the schema's levels; text that is not a level is missing, and refused."""
    dtype = pd.CategoricalDtype(list(column.categories))
    if column.name not in raw.column_names:
        return pd.Categorical.from_codes(np.full(len(raw), -1, dtype=np.int8), dtype=dtype)
    values = raw[column.name]
    if not pa.types.is_dictionary(values.type):
        values = values.cast(pa.string()).dictionary_encode()
    parts, offset = [], 0
    for chunk in values.chunks:
        levels = chunk.dictionary.cast(pa.string()).to_pylist()
        # The level code of each dictionary entry (-2: not a level), then -1 for a missing value.
        lookup = dtype.categories.get_indexer(levels)
        lookup = np.append(np.where(lookup < 0, -2, lookup), -1).astype(np.int16)
        indices = chunk.indices.fill_null(len(levels)).to_numpy(zero_copy_only=False)
        codes = lookup[indices]
        for row in np.flatnonzero(codes == -2):
            refused.setdefault(offset + int(row), {})[column.name] = levels[indices[row]]
        parts.append(np.maximum(codes, -1))
        offset += len(chunk)
    codes = np.concatenate(parts) if parts else np.empty(0, dtype=np.int16)
    return pd.Categorical.from_codes(codes, dtype=dtype)


# --- rows kept, and the refused values column --------------------------------------------------------

def _kept_rows(keys: dict[str, np.ndarray], keep: Keep | None, *, statuses: bool) -> np.ndarray | None:
    """Positions of the rows to keep (None: all).

    History rows of the other application table's clients are dropped, and monthly statuses of any
    credit not kept; rows without a usable SK_ID_CURR, and those of no known client, are kept: they
    are reported.
    """
    if keep is None:
        return None
    clients = pd.Index(keys["SK_ID_CURR"])
    wanted = clients != NO_KEY if statuses else clients.isin(keep.scored) | ~clients.isin(keep.others)
    return None if wanted.all() else np.flatnonzero(wanted)


def _renumbered(refused: dict[int, dict[str, object]], rows: np.ndarray) -> dict[int, dict[str, object]]:
    """`refused` keyed by position among the kept `rows` (sorted); values of dropped rows forgotten."""
    positions = np.searchsorted(rows, list(refused))
    return {int(at): values for at, (row, values) in zip(positions, refused.items(), strict=True)
            if at < len(rows) and rows[at] == row}


def _refused_column(refused: dict[int, dict[str, object]], n_rows: int) -> pd.api.extensions.ExtensionArray:
    """The :data:`REFUSED` column: each row's refused values as JSON text, missing for the others.

    Built by Arrow from the few texts: a column of a million missing texts, built by pandas from
    Python objects, took 0.12 s where this takes 2 ms.
    """
    texts = pa.array([None, *(json.dumps(values) for values in refused.values())], type=pa.string())
    picks = np.zeros(n_rows, dtype=np.int32)
    picks[list(refused)] = np.arange(1, len(refused) + 1, dtype=np.int32)
    return pd.array(texts.take(pa.array(picks)), dtype="str")


def _extended(values: np.ndarray | pd.Categorical, n: int) -> np.ndarray | pd.Categorical:
    """`values` followed by `n` missing values (keys: :data:`NO_KEY`), for lines that did not split."""
    if isinstance(values, pd.Categorical):
        codes = np.concatenate([values.codes, np.full(n, -1, dtype=values.codes.dtype)])
        return pd.Categorical.from_codes(codes, dtype=values.dtype)
    fill = NO_KEY if values.dtype == np.int32 else np.nan
    return np.concatenate([values, np.full(n, fill, dtype=values.dtype)])
