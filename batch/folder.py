"""The input of a portfolio run: the files of a Kaggle-layout folder, checked before any work.

A run scores one application table (``application_test`` or ``application_train``) with the six
history tables joined by SK_ID_CURR. Everything that would stop the run is found here, from the
folder listing and each file's header alone: a missing application table, a file that cannot be read,
a file without the keys that link its rows to their application. Bad values inside a file do not stop
a run: they are found row by row while reading (``batch.reading``) and the applications they belong
to are rejected.

Each file is cut into blocks that can be read independently, in process or by Dask workers: byte
ranges of a plain CSV (a line belongs to the block it starts in, as with ``dask.dataframe.read_csv``;
quoted fields must not hold line breaks, as in Kaggle's files), row groups of a Parquet file, the
whole file for a gzipped CSV.
"""

from __future__ import annotations

import csv
import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from features.loaders import SUFFIXES
from features.schema import HISTORY_TABLES, table

__all__ = ["APPLICATION_TABLES", "BLOCK_BYTES", "Block", "InputError", "Portfolio", "TableFile",
           "find_portfolio"]

#: The application tables a run may score; the other one, when present, only tells which history rows
#: belong to known clients that this run does not score.
APPLICATION_TABLES = ("application_test", "application_train")
#: Bytes of CSV text per block: about 64 MiB, as ``dask.dataframe.read_csv`` (a few hundred MB in memory).
BLOCK_BYTES = 64 * 2**20


class InputError(ValueError):
    """The folder, a file or an option cannot be used; the message names it and says what to do."""


@dataclass(frozen=True)
class TableFile:
    """One table's file and the columns its header lists."""

    name: str
    path: Path
    header: tuple[str, ...]


@dataclass(frozen=True)
class Block:
    """A part of one file that is read on its own: a byte range, a row group or the whole file.

    Parameters
    ----------
    file : TableFile
        The file.
    number : int
        The block's position in the file, 0 first: rows of lower blocks come first in the file.
    start, stop : int
        Byte range [start, stop) of a plain CSV (lines starting in it), or the row group (start) of a
        Parquet file; (0, 0) for a whole file.
    size : int
        The bytes of the file it stands for (for progress bars).
    """

    file: TableFile
    number: int
    start: int
    stop: int
    size: int


@dataclass(frozen=True)
class Portfolio:
    """The files of one run: the application table scored, the other one's, the history tables found.

    Parameters
    ----------
    applications : TableFile
        The table scored.
    others : TableFile or None
        The other application table of the folder: its clients' history rows are not this run's.
    history : dict of str to TableFile
        The history tables present, by name; an absent one gives its features missing, as in training.
    block_bytes : int, default=BLOCK_BYTES
        Bytes of CSV text per block read.
    """

    applications: TableFile
    others: TableFile | None
    history: dict[str, TableFile]
    block_bytes: int = BLOCK_BYTES

    @property
    def files(self) -> list[TableFile]:
        """list of TableFile: every file the run reads."""
        return [self.applications, *([self.others] if self.others else []), *self.history.values()]

    @property
    def kept_share(self) -> float:
        """float: about the share of the history rows the run keeps, its table's share of the bytes of
        both application tables (the history files hold both tables' clients)."""
        scored = self.applications.path.stat().st_size
        others = self.others.path.stat().st_size if self.others else 0
        return scored / max(scored + others, 1)

    def size_bytes(self) -> int:
        """int: the bytes of every file the run reads."""
        return sum(f.path.stat().st_size for f in self.files)

    def blocks(self, file: TableFile) -> list[Block]:
        """Cut `file` into blocks of about `block_bytes` bytes (row groups for Parquet, one for gzip)."""
        block_bytes = self.block_bytes
        size = file.path.stat().st_size
        if file.path.suffix == ".parquet":
            groups = pq.ParquetFile(file.path).metadata.num_row_groups
            return [Block(file, i, i, i + 1, size // max(groups, 1)) for i in range(groups)]
        if file.path.name.endswith(".gz"):
            return [Block(file, 0, 0, 0, size)]
        return [Block(file, i, start, min(start + block_bytes, size), min(block_bytes, size - start))
                for i, start in enumerate(range(0, max(size, 1), block_bytes))]


def _link_keys(name: str) -> tuple[str, ...]:
    """The columns that link a table's rows to their application (bureau_balance: to its bureau credit)."""
    if name == "bureau":
        return ("SK_ID_CURR", "SK_ID_BUREAU")
    return (table(name).parent_key,) if name == "bureau_balance" else ("SK_ID_CURR",)


def find_portfolio(folder: str | Path, *, scored: str, block_bytes: int = BLOCK_BYTES) -> Portfolio:
    """Find and check the files of a run: `scored` and the history tables present in `folder`.

    Parameters
    ----------
    folder : str or Path
        A Kaggle-layout folder (``<table>.csv``, ``.csv.gz`` or ``.parquet``).
    scored : str
        The application table to score, one of :data:`APPLICATION_TABLES`.
    block_bytes : int, default=BLOCK_BYTES
        Bytes of CSV text per block read.

    Returns
    -------
    Portfolio

    Raises
    ------
    InputError
        If the folder or the scored table is missing, a file cannot be read or lacks a key column, or
        a table is there twice; the message names the file and the fix.
    """
    if scored not in APPLICATION_TABLES:
        raise InputError(f"--table must be one of {', '.join(APPLICATION_TABLES)}, got {scored!r}")
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"--data-dir {folder} is not a folder; pass the folder holding the Kaggle files")
    found = {name: _table_file(folder, name) for name in (*APPLICATION_TABLES, *HISTORY_TABLES)}
    if found[scored] is None:
        present = [name for name in APPLICATION_TABLES if found[name]]
        hint = f" (this folder has {', '.join(present)}: choose it with --table)" if present else ""
        raise InputError(f"{folder} has no {scored} file; expected one of "
                         + ", ".join(scored + suffix for suffix in SUFFIXES) + hint)
    other = next(name for name in APPLICATION_TABLES if name != scored)
    return Portfolio(applications=found[scored], others=found[other],
                     history={name: file for name in HISTORY_TABLES if (file := found[name]) is not None},
                     block_bytes=block_bytes)


def _table_file(folder: Path, name: str) -> TableFile | None:
    """Return table `name`'s file in `folder` with its header, None when absent; raise when unusable."""
    paths = [folder / (name + suffix) for suffix in SUFFIXES if (folder / (name + suffix)).is_file()]
    if len(paths) > 1:
        raise InputError(f"{folder} holds table {name} more than once ({', '.join(p.name for p in paths)}); "
                         "keep only one of them")
    if not paths:
        return None
    path = paths[0]
    if not os.access(path, os.R_OK):
        raise InputError(f"{path} cannot be read (permission denied); make it readable")
    header = _header(path)
    duplicated = sorted({column for column in header if header.count(column) > 1})
    if duplicated:
        raise InputError(f"{path.name}: column(s) {', '.join(duplicated)} appear more than once in the "
                         "header; keep one of each")
    missing = [key for key in _link_keys(name) if key not in header]
    if missing:
        parent = "bureau credit" if name == "bureau_balance" else "application"
        raise InputError(f"{path.name} has no {' or '.join(missing)} column, which links its rows to their "
                         f"{parent}; check the header line")
    return TableFile(name=name, path=path, header=tuple(header))


def _header(path: Path) -> list[str]:
    """Return the column names of a file, or raise naming the file when it cannot be read."""
    try:
        if path.suffix == ".parquet":
            return list(pq.read_schema(path).names)
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rt", newline="", encoding="utf-8-sig") as f:
            header = next(csv.reader(f), None)
    except (OSError, UnicodeDecodeError, csv.Error, pa.ArrowException) as error:
        raise InputError(f"{path} cannot be read: {error}") from None
    if not header:
        raise InputError(f"{path.name} is empty; expected a header line with the column names")
    return header
