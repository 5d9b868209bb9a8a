"""Portfolio scoring in this process: read the folder, score it partition by partition, write Parquet.

The tables are read block by block (``batch.reading``), keeping only this run's clients' history, then
cut into partitions of whole clients in file order and scored one after the other with the service's
scorer (``batch.partition``); each partition's scores and rejects are appended to the two Parquet
files as they come, so the output never sits in memory whole.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from batch.folder import Portfolio, TableFile
from batch.output import Summary, no_outcomes, peak_rss_mb, rejects_path, rejects_schema, scores_schema
from batch.partition import rejects, score_partition, scores
from batch.reading import SPARSE_SHARE, Keep, no_rows, owners_of, read_block, read_keys
from features.schema import HISTORY_TABLES

if TYPE_CHECKING:  # the scorer is handed in: importing it here would import Great Expectations (seconds)
    from serving.scoring import Scorer

__all__ = ["CLIENTS_PER_PARTITION", "Recorder", "client_partitions", "read_portfolio", "score_in_process"]

#: Clients scored together: each partition is validated in one Great Expectations call and its
#: features built at once, and its output appended to the files.
CLIENTS_PER_PARTITION = 20_000
#: Blocks read at once: Arrow parses without Python's lock, so one block's conversion to pandas (which
#: holds it) overlaps another's parsing.
_READERS = 2
#: Called once per scored partition with its scores (`batch.partition.scores`), its application rows and
#: its history tables: records the decisions (`batch.recording.StoreRecorder`).
Recorder = Callable[[pd.DataFrame, pd.DataFrame, Mapping[str, pd.DataFrame]], None]


def score_in_process(portfolio: Portfolio, scorer: Callable[[], Scorer], *, out: Path, explain: bool = False,
                     clients_per_partition: int = CLIENTS_PER_PARTITION, record: Recorder | None = None,
                     progress: bool = True) -> Summary:
    """Score every application of `portfolio` in this process; write the scores to `out`, the rejects beside.

    Parameters
    ----------
    portfolio : Portfolio
        The files (``batch.folder.find_portfolio``).
    scorer : callable returning Scorer
        Builds the service's scorer with the model; it runs in a thread while the folder is read
        (importing Great Expectations and building the validator take seconds).
    out : Path
        Parquet file of the scores; the rejects go to ``batch.output.rejects_path(out)``.
    explain : bool, default=False
        Add each application's reasons against and for.
    clients_per_partition : int, default=CLIENTS_PER_PARTITION
        Applications scored together.
    record : Recorder, optional
        Called with the scores of each partition once written.
    progress : bool, default=True
        Show progress bars (bytes read, then applications scored with their rate).

    Returns
    -------
    Summary
    """
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=1) as builder:
        building = builder.submit(scorer)
        applications, history = read_portfolio(portfolio, progress=progress)
        ready = building.result()
    refused = rejects_path(out)
    scored = problems = 0
    empty = no_outcomes(explain=explain)
    scores_types = _with_pandas_types(scores(empty), scores_schema(explain=explain))
    rejects_types = _with_pandas_types(rejects(empty), rejects_schema())
    with pq.ParquetWriter(out, scores_types) as scores_file, \
            pq.ParquetWriter(refused, rejects_types) as rejects_file, \
            tqdm(total=len(applications), unit="application", desc="scoring", disable=not progress) as bar:
        parts = client_partitions(applications, history, clients_per_partition=clients_per_partition)
        for part, rows in parts:
            outcomes = score_partition(ready, part, rows, explain=explain)
            done, found = scores(outcomes), rejects(outcomes)
            for file, frame in ((scores_file, done), (rejects_file, found)):
                file.write_table(pa.Table.from_pandas(frame, schema=file.schema, preserve_index=False))
            if record is not None:
                record(done, part, rows)
            scored, problems = scored + len(done), problems + len(found)
            bar.update(len(part))
    return Summary(applications=len(applications), scored=scored, problems=problems,
                   seconds=time.perf_counter() - started, scores_path=out, rejects_path=refused,
                   peak_mb={"driver": peak_rss_mb()})


def _with_pandas_types(frame: pd.DataFrame, schema: pa.Schema) -> pa.Schema:
    """`schema` with the pandas dtypes of `frame` in its metadata, as Dask's ``to_parquet`` writes it (a
    nullable SK_ID_CURR reads back as Int64, not float64)."""
    return pa.Table.from_pandas(frame, schema=schema, preserve_index=False).schema


def read_portfolio(portfolio: Portfolio, *,
                   progress: bool = True) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Read the applications, then their clients' history rows, `_READERS` blocks at a time.

    Bureau is read before bureau_balance: its credits link the monthly statuses to their clients.

    Returns
    -------
    applications : pd.DataFrame
        The application table as ``batch.reading.read_block`` gives it.
    history : dict of str to pd.DataFrame
        Every history table (``features.schema.HISTORY_TABLES``), rows of this run's clients (and of
        no known client, to report); a table not in the folder without rows.
    """
    with tqdm(total=portfolio.size_bytes(), unit="B", unit_scale=True, desc="reading",
              disable=not progress) as bar, ThreadPoolExecutor(max_workers=_READERS) as pool:
        def submit(file: TableFile | None, read: Callable[..., object], **options: object) -> list[Future]:
            futures = []
            for block in portfolio.blocks(file) if file is not None else []:
                futures.append(pool.submit(read, block, **options))
                futures[-1].add_done_callback(lambda _, size=block.size: bar.update(size))
            return futures

        read_applications = submit(portfolio.applications, read_block)
        read_others = submit(portfolio.others, read_keys)
        applications = pd.concat([future.result() for future in read_applications])
        others = np.concatenate([np.empty(0, dtype=np.int32)] + [future.result() for future in read_others])
        keep = Keep(scored=pd.Index(applications["SK_ID_CURR"]), others=pd.Index(others),
                    sparse=portfolio.kept_share < SPARSE_SHARE)
        reads = {name: submit(portfolio.history.get(name), read_block, keep=keep)
                 for name in HISTORY_TABLES if name != "bureau_balance"}
        history = {"bureau": _joined(reads["bureau"], "bureau")}
        owners = Keep(keep.scored, keep.others, owners=owners_of(history["bureau"]), sparse=keep.sparse)
        reads["bureau_balance"] = submit(portfolio.history.get("bureau_balance"), read_block, keep=owners)
        history.update((name, _joined(reads[name], name)) for name in HISTORY_TABLES if name != "bureau")
    return applications, {name: history[name] for name in HISTORY_TABLES}


def _joined(reads: list[Future], name: str) -> pd.DataFrame:
    """The blocks read of one table, in file order (a table without a file: no rows)."""
    return pd.concat([future.result() for future in reads]) if reads else no_rows(name)


def client_partitions(applications: pd.DataFrame, history: dict[str, pd.DataFrame], *,
                      clients_per_partition: int = CLIENTS_PER_PARTITION,
                      ) -> Iterator[tuple[pd.DataFrame, dict[str, pd.DataFrame]]]:
    """Cut the tables read into partitions of whole clients, in the application table's order.

    Every row of one SK_ID_CURR (repeated applications included) goes to the partition of its first
    application; history rows of no application go to the last partition, which reports them.
    """
    codes, clients = pd.factorize(applications["SK_ID_CURR"])
    count = max(1, -(-len(clients) // clients_per_partition))
    application_parts = codes // clients_per_partition
    row_parts = {}
    for name, frame in history.items():
        owner = clients.get_indexer(frame["SK_ID_CURR"])
        row_parts[name] = np.where(owner >= 0, owner // clients_per_partition, count - 1)
    cuts = {name: _cut(parts, count) for name, parts in {"": application_parts, **row_parts}.items()}
    for k in range(count):
        yield (applications.take(cuts[""][k]),
               {name: frame.take(cuts[name][k]) for name, frame in history.items()})


def _cut(parts: np.ndarray, count: int) -> list[np.ndarray]:
    """The row positions of each partition 0..count-1, in row order."""
    order = np.argsort(parts, kind="stable")
    bounds = np.searchsorted(parts[order], np.arange(count + 1))
    return [order[bounds[k]:bounds[k + 1]] for k in range(count)]
