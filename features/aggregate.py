"""Aggregation of history rows into one row per key, declared once as data.

An :class:`Aggregation` says which columns of a history table are summarised with which statistics,
which category columns become level shares, and in plain words which rows it covers. The same
declaration computes the features (:func:`aggregate`) and names and describes them
(:func:`describe`), so a feature can never lose its description or change its name silently.

Every computation is a vectorised grouped reduction over the whole table: rows are sorted by key once
per aggregation, then each statistic is one ``ufunc.reduceat`` over a block of columns; level shares
and trends use ``np.bincount``. The same code serves a whole data set and an API batch of a few
hundred rows (where pandas' per-call overhead, not arithmetic, would dominate): the families derive
their columns with numpy on :func:`columns_of` a table and aggregate those arrays. A key absent from
the table gets no row; the caller reindexes to its clients, which leaves their features missing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from features.labels import labels
from features.schema import table

__all__ = [
    "Aggregation", "Columns", "FeatureInfo", "aggregate", "aggregate_many", "columns_of", "describe",
    "describe_family", "indicator", "level_name", "ratio", "row_total", "schema_meanings",
]

#: A table as the families compute on it: column name -> array, categories as level codes (-1 missing).
Columns = dict[str, np.ndarray]

#: Threads that summarise the blocks of a large table side by side (numpy's gathers, casts and
#: reductions release the GIL); an API batch fits one block and starts none.
_THREADS = 2
#: Most cells (rows x columns) summarised in one float64 block (see `_numeric_statistics`).
_BLOCK_CELLS = 4_000_000

#: Statistics that :func:`aggregate` computes, with the words that start their descriptions.
STATISTICS: dict[str, str] = {
    "mean": "Average",
    "min": "Smallest",
    "max": "Largest",
    "sum": "Total",
    "var": "Variance of",
    "trend": "Trend of",
}


@dataclass(frozen=True)
class FeatureInfo:
    """What one model feature means.

    Parameters
    ----------
    name : str
        Feature name, as a column of the feature frame.
    description : str
        Plain-language description, shown to advisors.
    family : str
        The feature family (``"application"``, ``"bureau"``, ...).
    sources : tuple of str
        The raw columns it derives from, as ``"table.column"``.
    """

    name: str
    description: str
    family: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Aggregation:
    """Which statistics of which columns summarise a set of history rows per key.

    Parameters
    ----------
    prefix : str
        Start of every feature name, e.g. ``"BURO_ACTIVE"``.
    over : str
        The rows summarised, in words that follow "over", e.g. ``"the client's active bureau
        credits"``.
    numeric : mapping of str to tuple of str
        Column -> statistics among :data:`STATISTICS`.
    shares : mapping of str to tuple of str, optional
        Category column -> its levels; each level gives the share of rows holding it.
    count : bool, default=True
        Whether to add the number of rows, ``{prefix}_COUNT``.
    trend_of : str or None, default=None
        The time column that ``"trend"`` regresses on (slope per unit of this column).
    trend_unit : str, default="month"
        The unit of `trend_of`, for descriptions.
    one_row : bool, default=False
        Whether it covers at most one row per key (e.g. the latest application); descriptions
        then name the value, not a statistic of it.
    """

    prefix: str
    over: str
    numeric: Mapping[str, tuple[str, ...]]
    shares: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    count: bool = True
    trend_of: str | None = None
    trend_unit: str = "month"
    one_row: bool = False

    def __post_init__(self) -> None:
        for column, stats in self.numeric.items():
            unknown = set(stats) - set(STATISTICS)
            if unknown:
                raise ValueError(f"{self.prefix}: unknown statistics {sorted(unknown)} for {column}; "
                                 f"use {', '.join(STATISTICS)}")
            if "trend" in stats and self.trend_of is None:
                raise ValueError(f"{self.prefix}: 'trend' of {column} needs trend_of, the time column")

    @functools.cached_property
    def columns(self) -> list[str]:
        """list of str: the columns the aggregation reads (numbers, time column, categories)."""
        time = [self.trend_of] if self.trend_of is not None else []
        return list(dict.fromkeys([*self.numeric, *time, *self.shares]))

    @functools.cached_property
    def names(self) -> list[str]:
        """list of str: the feature names, in output order."""
        names = [f"{self.prefix}_COUNT"] if self.count else []
        names += self.statistic_names.values()
        names += [name for levels in self.share_names.values() for name in levels]
        return names

    @functools.cached_property
    def positions(self) -> dict[str, int]:
        """dict of str to int: feature name -> its column in the output."""
        return {name: j for j, name in enumerate(self.names)}

    @functools.cached_property
    def statistic_names(self) -> dict[tuple[str, str], str]:
        """dict of (str, str) to str: (column, statistic) -> feature name."""
        return {(column, stat): f"{self.prefix}_{column}_{stat.upper()}"
                for column, stats in self.numeric.items() for stat in stats}

    @functools.cached_property
    def share_names(self) -> dict[str, list[str]]:
        """dict of str to list of str: category column -> the feature name of each level's share."""
        return {column: [f"{self.prefix}_{column}_{level_name(level)}_SHARE" for level in levels]
                for column, levels in self.shares.items()}


def level_name(level: str) -> str:
    """Return a category level as a feature-name fragment: upper case, words joined by ``_``.

    Examples
    --------
    >>> level_name("Cash X-Sell: low")
    'CASH_X_SELL_LOW'
    """
    words = "".join(ch if ch.isalnum() else " " for ch in level.upper()).split()
    return "_".join(words)


def ratio(numerator: pd.Series | np.ndarray, denominator: pd.Series | np.ndarray) -> np.ndarray:
    """Return ``numerator / denominator`` as float32, missing where it is undefined or infinite."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        values = (np.asarray(numerator, dtype=np.float64)
                  / np.asarray(denominator, dtype=np.float64)).astype(np.float32)
    values[~np.isfinite(values)] = np.nan
    return values


def indicator(condition: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Return 1.0 where `condition` holds and 0.0 where it does not, as float32, missing where not `known`."""
    return np.where(known, condition, np.nan).astype(np.float32)


def columns_of(table: pd.DataFrame | Mapping[str, np.ndarray | pd.Categorical]) -> Columns:
    """Return every column of `table` as an array (views where pandas allows), categories as level codes.

    `table` is a frame, or its columns as arrays and categoricals (``features.records.records_to_columns``).

    Pandas charges a few microseconds per column access and tens per derived column, which an API batch
    of a few hundred rows pays hundreds of times; numpy on these arrays does not.
    """
    return {name: _values(column) for name, column in table.items()}


def row_total(values: np.ndarray) -> np.ndarray:
    """Row sums of a 2-D array, missing where every value of the row is missing."""
    return np.where(np.isnan(values).all(axis=1), np.nan, np.nansum(values, axis=1))


def aggregate(history: pd.DataFrame | Columns, aggregation: Aggregation, *, key: str,
              rows: np.ndarray | pd.Series | None = None) -> pd.DataFrame:
    """Summarise the rows of `history` into one row per value of `key`.

    Parameters
    ----------
    history : pd.DataFrame or Columns
        History rows with `key` and every column named in `aggregation`; the category columns of
        ``aggregation.shares`` as pandas categoricals whose categories are the levels listed there,
        or as their level codes (:func:`columns_of`).
    aggregation : Aggregation
        What to compute.
    key : str
        The column to group by (``"SK_ID_CURR"``, or ``"SK_ID_BUREAU"`` for monthly statuses).
    rows : array of bool, optional
        The rows to summarise (default all), e.g. only active credits. Only the columns the
        aggregation reads are taken from them.

    Returns
    -------
    pd.DataFrame
        Index: the distinct `key` values of the rows (first-seen order); columns
        ``aggregation.names``, float32; infinities (overflowing sums) are missing.
    """
    picked = None if rows is None else np.asarray(rows)
    codes, keys = _factorize(_picked(history[key], picked))
    grouping = _Grouping(codes, _order(codes), None)
    summary = _summary(history, aggregation, grouping, picked)
    return pd.DataFrame(summary, index=pd.Index(keys, name=key), columns=labels(aggregation.names),
                        copy=False)


def aggregate_many(history: pd.DataFrame | Columns,
                   parts: Sequence[tuple[Aggregation, np.ndarray | pd.Series | None]], *,
                   key: str) -> pd.DataFrame:
    """Summarise the rows of `history` by several aggregations side by side, one row per `key` value.

    What ``pd.concat([aggregate(history, a, key=key, rows=r) for a, r in parts], axis=1)`` gives, in
    one block: the rows are grouped once, and no frame is built or aligned per aggregation (for an
    API batch, those cost more than the statistics).

    Parameters
    ----------
    history : pd.DataFrame or Columns
        As for :func:`aggregate`.
    parts : sequence of (Aggregation, array of bool or None)
        Each aggregation with the rows it summarises (None: all).
    key : str
        The column to group by.

    Returns
    -------
    pd.DataFrame
        Index: the distinct `key` values of all the rows (first-seen order); the columns of every
        aggregation, in order, float32; a key without rows in an aggregation has its columns missing.
    """
    codes, keys = _factorize(_values(history[key]))
    order = _order(codes)
    blocks = np.empty((len(keys), sum(len(a.names) for a, _ in parts)), dtype=np.float32)
    start = 0
    for aggregation, rows in parts:
        grouping = _Grouping(codes, order, None if rows is None else np.asarray(rows))
        end = start + len(aggregation.names)
        absent = np.ones(len(keys), dtype=bool)
        absent[grouping.present] = False
        blocks[absent, start:end] = np.nan  # a key without rows here
        blocks[grouping.present, start:end] = _summary(history, aggregation, grouping, None)
        start = end
    return pd.DataFrame(blocks, index=pd.Index(keys, name=key), copy=False,
                        columns=labels(name for aggregation, _ in parts for name in aggregation.names))


def _factorize(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Number the distinct `keys` 0.. in first-seen order; return the number of each row and the keys.

    History files usually list a client's rows together, sorted by key: then the numbers follow from
    where the key changes, with no hashing (a second per table of Kaggle size). Otherwise
    ``pd.factorize``, which numbers them the same way.
    """
    if len(keys) and np.all(keys[1:] >= keys[:-1]):
        starts = _run_starts(keys)
        return _run_numbers(starts, len(keys)), keys[starts]
    return pd.factorize(keys)


def _run_starts(values: np.ndarray) -> np.ndarray:
    """Positions where a run of equal values starts."""
    change = np.empty(len(values), dtype=bool)
    change[:1] = True
    np.not_equal(values[1:], values[:-1], out=change[1:])
    return np.flatnonzero(change)


def _run_numbers(starts: np.ndarray, length: int) -> np.ndarray:
    """The run (0..) of each of `length` values whose runs start at `starts`."""
    return np.repeat(np.arange(len(starts), dtype=np.int32), np.diff(starts, append=length))


def _order(codes: np.ndarray) -> np.ndarray | None:
    """The rows in group order (stable: a group's rows keep their order), or None when they already are."""
    if np.all(codes[1:] >= codes[:-1]):
        return None
    return np.argsort(codes, kind="stable")


class _Grouping:
    """Some rows of a table put in group order once, for every statistic of an aggregation.

    Parameters
    ----------
    codes : np.ndarray of int
        The group (0..) of every row of the table.
    order : np.ndarray of int or None
        The rows in group order (stable), None when they already are (:func:`_order`).
    picked : np.ndarray of bool or None
        The rows to summarise; None means all.
    """

    def __init__(self, codes: np.ndarray, order: np.ndarray | None, picked: np.ndarray | None) -> None:
        self.picked, self.index = picked, None
        if order is not None:
            self.index = order if picked is None else order[picked[order]]
        grouped = self.take(codes)
        #: Rows, position of each group's first row, and the table's group numbers of the groups present.
        self.rows = len(grouped)
        self.starts = _run_starts(grouped)
        self.present = grouped[self.starts]

    @property
    def n_groups(self) -> int:
        """int: the groups with at least one row."""
        return len(self.starts)

    @functools.cached_property
    def group_of_row(self) -> np.ndarray:
        """np.ndarray of int32: the group (0..) of each row, in group order (only trends need it)."""
        return _run_numbers(self.starts, self.rows)

    def take(self, values: np.ndarray) -> np.ndarray:
        """Return the picked rows of a column in group order (the column itself when nothing moves)."""
        if self.index is not None:
            return values[self.index]
        return values if self.picked is None else values[self.picked]


def _summary(history: pd.DataFrame | Columns, aggregation: Aggregation, grouping: _Grouping,
             picked: np.ndarray | None) -> np.ndarray:
    """The statistics of `aggregation` over the rows of `grouping` (of the `picked` rows of `history`,
    when given): one float32 row per group, infinities missing."""
    def column(name: str) -> np.ndarray:
        return grouping.take(_picked(history[name], picked))

    n_groups = grouping.n_groups
    out = np.empty((n_groups, len(aggregation.names)), dtype=np.float32)  # every column is written below
    at = aggregation.positions
    if aggregation.count:
        out[:, at[f"{aggregation.prefix}_COUNT"]] = np.diff(grouping.starts, append=grouping.rows)
    with np.errstate(over="ignore"):  # overflowing totals become missing below
        _numeric_statistics(column, aggregation, grouping, out)
    for name, names in aggregation.share_names.items():
        out[:, [at[n] for n in names]] = _level_shares(column(name), grouping, len(names))
    out[np.isinf(out)] = np.nan
    return out


def _picked(column: pd.Series | pd.Categorical | np.ndarray, picked: np.ndarray | None) -> np.ndarray:
    values = _values(column)
    return values if picked is None else values[picked]


def _values(column: pd.Series | pd.Categorical | np.ndarray) -> np.ndarray:
    """A column as an array: itself if it is one, a category column's level codes (-1 for missing)."""
    values = column.values if isinstance(column, pd.Series) else column
    return values.codes if isinstance(values, pd.Categorical) else values


def _numeric_statistics(column: Callable[[str], np.ndarray], aggregation: Aggregation, grouping: _Grouping,
                        out: np.ndarray) -> None:
    """Write every statistic of `aggregation` into its column of `out`: each column's rows in group
    order (`column`), then one ``reduceat`` per statistic over a block of columns (float64 arithmetic,
    float32 results)."""
    names, at = aggregation.statistic_names, aggregation.positions
    columns = [c for c, stats in aggregation.numeric.items() if set(stats) - {"trend"}]
    rows = grouping.rows
    if grouping.n_groups and columns:
        # Columns at a time, as many as keep a block under _BLOCK_CELLS: one block for an API batch,
        # one column at a time for a full table (memory stays flat).
        width = max(1, _BLOCK_CELLS // rows)

        def summarise(chunk: list[str]) -> None:
            block = np.empty((len(chunk), rows), dtype=np.float64)
            for i, name in enumerate(chunk):
                block[i] = column(name)
            for stat, chosen, values in _block_statistics(block, grouping.starts, chunk, aggregation):
                out[:, [at[names[chunk[j], stat]] for j in chosen]] = values.T

        chunks = [columns[first:first + width] for first in range(0, len(columns), width)]
        if len(chunks) == 1:
            summarise(chunks[0])
        else:  # a large table: its blocks side by side, each writing its own columns of `out`
            with ThreadPoolExecutor(max_workers=_THREADS) as pool:
                for _ in pool.map(summarise, chunks):
                    pass
    for name, stats in aggregation.numeric.items():
        if "trend" in stats:
            assert aggregation.trend_of is not None, "trend without a time column: this is a bug"
            time = np.asarray(column(aggregation.trend_of), np.float64)
            out[:, at[names[name, "trend"]]] = _slope(time, np.asarray(column(name), np.float64),
                                                      grouping.group_of_row, grouping.n_groups)


def _block_statistics(block: np.ndarray, starts: np.ndarray, columns: list[str],
                      aggregation: Aggregation) -> list[tuple[str, list[int], np.ndarray]]:
    """The statistics of the columns of `block` (one row per column, values sorted by group, groups
    starting at `starts`; this layout reduces several times faster than one row per record).

    Returns (statistic, the rows of `block` that ask for it, their values: one row each, one value
    per group): each statistic is computed only on the rows that ask for it, and written out in one
    assignment. `block` is overwritten (missing values zeroed) to save a copy of it."""
    wants = {stat: [j for j, c in enumerate(columns) if stat in aggregation.numeric[c]]
             for stat in ("sum", "mean", "min", "max", "var")}

    def rows_of(rows: list[int]) -> np.ndarray:
        return block if len(rows) == len(columns) else block[rows]

    results = [(stat, wants[stat], ufunc.reduceat(rows_of(wants[stat]), starts, axis=1))
               for stat, ufunc in (("min", np.fmin), ("max", np.fmax)) if wants[stat]]
    moments = sorted(set(wants["sum"]) | set(wants["mean"]) | set(wants["var"]))
    if not moments:
        return results
    part = rows_of(moments)
    missing = np.isnan(part)
    count = np.add.reduceat(~missing, starts, axis=1)
    part[missing] = 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        total = np.where(count > 0, np.add.reduceat(part, starts, axis=1), np.nan)
        mean = total / count
        results += [(stat, wants[stat], values[[moments.index(j) for j in wants[stat]]])
                    for stat, values in (("sum", total), ("mean", mean)) if wants[stat]]
        if wants["var"]:
            at = [moments.index(j) for j in wants["var"]]
            sizes = np.diff(starts, append=part.shape[1])
            group_of_row = np.repeat(np.arange(len(starts), dtype=np.int32), sizes)
            # Two passes (deviations from the group mean): sums of squares would cancel.
            deviation = part[at] - mean[at][:, group_of_row]
            deviation[missing[at]] = 0.0
            deviation *= deviation
            squares = np.add.reduceat(deviation, starts, axis=1)
            results.append(("var", wants["var"], np.where(count[at] > 1, squares / (count[at] - 1), np.nan)))
    return results


def _level_shares(level_codes: np.ndarray, grouping: _Grouping, n_levels: int) -> np.ndarray:
    """Share of each group's rows holding each level; rows with a missing level count as rows.

    One count per level of the groups of the rows holding it: no (group, level) pair index is built
    over the whole table (at Kaggle scale, a second and 0.6 GB for the monthly bureau statuses).
    """
    counts = np.empty((grouping.n_groups, n_levels))
    for level in range(n_levels):
        counts[:, level] = np.bincount(grouping.group_of_row[level_codes == level],
                                       minlength=grouping.n_groups)
    sizes = np.diff(grouping.starts, append=grouping.rows)
    with np.errstate(invalid="ignore"):
        return counts / sizes[:, None]


def _slope(x: np.ndarray, y: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Least-squares slope of y on x per group, from grouped sums; missing below two distinct x."""
    ok = ~(np.isnan(x) | np.isnan(y))
    g, x, y = codes[ok], x[ok], y[ok]
    n = np.bincount(g, minlength=n_groups).astype(np.float64)
    # Centre x per group first: raw sums of day offsets squared lose the slope to cancellation.
    with np.errstate(invalid="ignore", divide="ignore"):
        x_mean = np.bincount(g, weights=x, minlength=n_groups) / n
        y_mean = np.bincount(g, weights=y, minlength=n_groups) / n
        dx = x - x_mean[g]
        sxy = np.bincount(g, weights=dx * (y - y_mean[g]), minlength=n_groups)
        sxx = np.bincount(g, weights=dx * dx, minlength=n_groups)
        slope = sxy / sxx
    slope[~(sxx > 1e-9)] = np.nan
    return slope


def describe(aggregation: Aggregation, columns: Mapping[str, tuple[str, tuple[str, ...]]], *,
             family: str, table_name: str) -> dict[str, FeatureInfo]:
    """Describe every feature of `aggregation` in plain language.

    Parameters
    ----------
    aggregation : Aggregation
        The declaration whose features to describe.
    columns : mapping of str to (str, tuple of str)
        Column -> (description, raw sources) for every column the aggregation reads.
    family : str
        Family name stored in each :class:`FeatureInfo`.
    table_name : str
        The raw table whose rows are summarised: the source of the row count.

    Returns
    -------
    dict of str to FeatureInfo
        Keyed by feature name, in ``aggregation.names`` order.
    """
    over = aggregation.over
    infos: list[FeatureInfo] = []
    if aggregation.count:
        rows = (f"{table_name}.{table(table_name).parent_key}",)
        infos.append(FeatureInfo(f"{aggregation.prefix}_COUNT", f"Number of {over}", family, rows))
    for column, stats in aggregation.numeric.items():
        text, sources = columns[column]
        for stat in stats:
            if stat == "trend":
                words = f"Trend of {_lower(text)} (change per {aggregation.trend_unit}), over {over}"
            elif aggregation.one_row:
                words = f"{text}, on {over}"
            else:
                words = f"{STATISTICS[stat]} {_lower(text)}, over {over}"
            infos.append(FeatureInfo(f"{aggregation.prefix}_{column}_{stat.upper()}", words, family,
                                     sources))
    for column, levels in aggregation.shares.items():
        text, sources = columns[column]
        for level in levels:
            words = (f"Whether {_lower(text)} is '{level}' on {over}" if aggregation.one_row
                     else f"Share of {over} where {_lower(text)} is '{level}'")
            infos.append(FeatureInfo(f"{aggregation.prefix}_{column}_{level_name(level)}_SHARE", words,
                                     family, sources))
    assert [i.name for i in infos] == aggregation.names, "names and descriptions disagree: a bug"
    return {i.name: i for i in infos}


def describe_family(aggregations: Iterable[Aggregation], meanings: Mapping[str, tuple[str, tuple[str, ...]]],
                    derived: Mapping[str, tuple[str, tuple[str, ...]]], *, family: str,
                    table_name: str) -> dict[str, FeatureInfo]:
    """Describe every feature of a family's aggregations, in output order.

    Parameters
    ----------
    aggregations : iterable of Aggregation
        The family's declarations, in output order.
    meanings : mapping of str to (str, tuple of str)
        Column -> (description, raw sources) of the raw columns (:func:`schema_meanings`, reworded where
        the family needs it).
    derived : mapping of str to (str, tuple of str)
        Column -> (description, raw column names of `table_name`) of the columns the family derives.
    family, table_name : str
        As in :func:`describe`.

    Returns
    -------
    dict of str to FeatureInfo
        Keyed by feature name.
    """
    columns = {**meanings, **{name: (text, tuple(f"{table_name}.{s}" for s in sources))
                              for name, (text, sources) in derived.items()}}
    infos: dict[str, FeatureInfo] = {}
    for aggregation in aggregations:
        infos.update(describe(aggregation, columns, family=family, table_name=table_name))
    return infos


def schema_meanings(table_name: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Return column -> (description, sources) for every column of a raw table, from the schema."""
    return {c.name: (c.description, (f"{table_name}.{c.name}",)) for c in table(table_name).columns}


def _lower(text: str) -> str:
    """Lower-case the first letter of a description unless it starts an acronym ("ATM")."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]
