"""Write frames as CSV text in the exact format of the Kaggle files, fast.

The Kaggle files were written by pandas' ``to_csv`` defaults: a plain header, empty fields for
missing values, the shortest decimal that reads back as the same number, ``.0`` on whole numbers of
float columns (``-153.0``) but none on integer columns (``0``), and double quotes only around text
holding a comma or a quote (``"Stone, brick"``). pyarrow's own CSV writer quotes every string and
writes ``48`` for 48.0, so each column is formatted here with vectorised pyarrow compute kernels and
the rows are joined into one text buffer: 10-20 times faster than ``DataFrame.to_csv``.

float32 columns are written with the shortest decimal that reads back as the same float32
(``0.1``, not ``0.10000000149011612``), so a file read back as float32 equals the frame written.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from features.schema import Column, Kind, Table

__all__ = ["csv_header", "csv_rows"]


def csv_header(table: Table) -> bytes:
    """The header line of `table`'s file."""
    return (",".join(table.column_names) + "\n").encode()


def csv_rows(frame: pd.DataFrame, table: Table) -> bytes:
    """Return the data lines of `frame` (no header) in Kaggle CSV format.

    Parameters
    ----------
    frame : pd.DataFrame
        A frame with `table`'s columns and schema dtypes (as `features.loaders.cast_to_schema`
        returns them).
    table : Table

    Returns
    -------
    bytes
        UTF-8 text, one line per row, each ending with a newline.
    """
    if frame.empty:
        return b""
    fields = [_format(frame[col.name], col) for col in table.columns]
    # The line end goes on the last field: one pass over a column instead of one over whole lines.
    fields[-1] = pc.binary_join_element_wise(pc.fill_null(fields[-1], ""), pa.scalar("\n"), "")
    lines = pc.binary_join_element_wise(*fields, ",", null_handling="replace", null_replacement="")
    return _text_bytes(lines)


def _format(values: pd.Series, col: Column) -> pa.Array:
    """One column as CSV fields (null = empty field)."""
    if col.kind is Kind.CATEGORY:
        codes = values.cat.codes.to_numpy()
        return _quoted_levels(col).take(pa.array(codes, mask=codes < 0))
    array = values.to_numpy()
    if col.kind is not Kind.NUMBER or col.written_as_int:
        return _integers(array)
    with np.errstate(invalid="ignore"):
        # Below 1e16 Python's float repr has no exponent, so a whole number gets ".0" appended.
        whole = (array == np.round(array)) & (np.abs(array) < 1e16)
    missing = np.isnan(array)
    if (whole | missing).all():  # days, counts, round amounts: integer formatting is 4 times faster
        return pc.binary_join_element_wise(_integers(array), pa.scalar(".0"), "")
    # +0.0 turns -0.0 into 0.0 (pandas would write "-0.0", the real files never hold it).
    text = pc.cast(pa.array(array + np.float32(0), from_pandas=True), pa.string())
    return pc.if_else(pa.array(whole), pc.binary_join_element_wise(text, pa.scalar(".0"), ""), text)


def _integers(array: np.ndarray) -> pa.Array:
    """Whole numbers (NaN = missing) as text without decimals."""
    missing = np.isnan(array) if array.dtype.kind == "f" else None
    values = np.where(missing, 0, array) if missing is not None else array
    return pc.cast(pa.array(values.astype(np.int64), mask=missing), pa.string())


@cache
def _quoted_levels(col: Column) -> pa.Array:
    """The column's levels as CSV fields: quoted (quotes doubled) only when they hold , or "."""
    def field(level: str) -> str:
        if any(ch in level for ch in ',"\n\r'):
            return '"' + level.replace('"', '""') + '"'
        return level
    return pa.array([field(level) for level in col.categories], type=pa.string())


def _text_bytes(lines: pa.Array) -> bytes:
    """The concatenated text of a string array (its data buffer between the first and last offset)."""
    lines = lines.combine_chunks() if isinstance(lines, pa.ChunkedArray) else lines
    offset_type = np.int64 if pa.types.is_large_string(lines.type) else np.int32
    offsets = np.frombuffer(lines.buffers()[1], dtype=offset_type)[lines.offset:lines.offset + len(lines) + 1]
    return lines.buffers()[2][int(offsets[0]):int(offsets[-1])].to_pybytes()
