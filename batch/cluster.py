"""Portfolio scoring on a Dask cluster: the same partitions of whole clients, read and scored by workers.

The driver only builds the task graph and counts what the workers report: the tables never pass
through it, so its memory does not grow with the input. The graph:

1. each block of each file is read by a task (``batch.reading``), the history blocks keeping only this
   run's clients' rows (the ids of both application tables, and bureau's credits for bureau_balance,
   are gathered by small tasks and handed to the readers);
2. every table is shuffled on SK_ID_CURR into the same number of partitions (Dask's task-based
   shuffle), so that partition k of every table holds the same clients, whole;
3. each partition is scored by ``batch.partition.score_partition`` with the scorer the worker loaded
   once (`ModelPlugin`), and reports its counts to the driver's progress bar (a Dask event);
4. the scores and the rejects are written by the workers, one Parquet part per partition.

``LocalCluster`` and ``Client`` are context managers; the same code runs against an existing
scheduler, whose workers must see the data folder and the output path (a shared file system).
"""

from __future__ import annotations

import contextlib
import math
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask.delayed import Delayed
from distributed import Client, LocalCluster, get_worker
from distributed.diagnostics.plugin import WorkerPlugin
from tqdm.auto import tqdm

from batch.folder import InputError, Portfolio, TableFile
from batch.local import Recorder
from batch.output import Summary, no_outcomes, peak_rss_mb, rejects_path, rejects_schema, scores_schema
from batch.partition import rejects, score_partition, scores
from batch.reading import SPARSE_SHARE, Keep, no_rows, owners_of, read_block, read_keys
from features.schema import HISTORY_TABLES
from train.bundle import ModelBundle

if TYPE_CHECKING:  # imported by the workers only: Great Expectations would add ~100 MB to the driver
    from serving.scoring import Scorer

__all__ = ["PARTITION_BYTES", "ModelPlugin", "score_on_dask"]

#: Bytes of input files per partition, estimated for the rows this run keeps: a partition's tables
#: and features take a few times that in a worker's memory.
PARTITION_BYTES = 256 * 2**20
_PLUGIN = "credit-scoring-model"
_CONNECT_SECONDS = 10


class ModelPlugin(WorkerPlugin):
    """Loads the model once per worker, from the files of its model-store folder that travel with it.

    The workers need no access to the driver's model store: the bundle's files (a few MB) are sent
    once with the plugin, written to the worker's local directory and loaded there.

    Parameters
    ----------
    folder : Path
        The model's folder in the BentoML store.
    """

    name = _PLUGIN

    def __init__(self, folder: Path) -> None:
        self.files = {path.name: path.read_bytes() for path in Path(folder).iterdir() if path.is_file()}
        self.scorer: Scorer | None = None

    def setup(self, worker) -> None:
        """Write the bundle's files into the worker's directory and load the scorer."""
        from serving.scoring import Scorer

        directory = Path(tempfile.mkdtemp(prefix="model-", dir=worker.local_directory))
        for name, content in self.files.items():
            (directory / name).write_bytes(content)
        # One LightGBM thread per call: the worker's threads are the parallelism.
        self.scorer = Scorer(ModelBundle.load(directory, num_threads=1))


def score_on_dask(portfolio: Portfolio, model: Path, *, out: Path, explain: bool = False,
                  workers: int | None = None, scheduler: str | None = None, partitions: int | None = None,
                  record: Recorder | None = None, progress: bool = True) -> Summary:
    """Score every application of `portfolio` on Dask; write the scores to `out`, the rejects beside.

    Parameters
    ----------
    portfolio : Portfolio
        The files (``batch.folder.find_portfolio``).
    model : Path
        The model's folder in the BentoML store.
    out : Path
        Folder of the scores' Parquet parts (replaced); the rejects go to ``rejects_path(out)``.
    explain : bool, default=False
        Add each application's reasons against and for.
    workers : int, optional
        Start a LocalCluster of this many single-threaded worker processes.
    scheduler : str, optional
        Address of an existing scheduler (instead of `workers`), e.g. ``tcp://host:8786``.
    partitions : int, optional
        Partitions of whole clients; default: the input's size over `PARTITION_BYTES`, at least one
        per worker thread.
    record : Recorder, optional
        Called on the worker with the scores of each partition it scored.
    progress : bool, default=True
        Show a progress bar of the applications done and their rate.

    Returns
    -------
    Summary

    Raises
    ------
    InputError
        If the model cannot be loaded or the scheduler cannot be reached (before any work).
    """
    try:
        ModelBundle.load(model)
    except (OSError, ValueError) as error:
        raise InputError(f"--model {model}: {error}") from None
    started = time.perf_counter()
    with _client(workers=workers, scheduler=scheduler) as client:
        client.register_plugin(ModelPlugin(model))
        count = partitions or _partition_count(portfolio, threads=sum(client.nthreads().values()))
        topic = f"credit-scoring-batch-{uuid.uuid4().hex}"
        outcomes = _outcomes(portfolio, partitions=count, explain=explain, record=record, topic=topic)
        refused = rejects_path(out)
        empty = no_outcomes(explain=explain)
        writes = [outcomes.map_partitions(split, meta=split(empty)).to_parquet(
                      path, schema=schema, write_index=False, overwrite=True, compute=False)
                  for split, path, schema in ((scores, out, scores_schema(explain=explain)),
                                              (rejects, refused, rejects_schema()))]
        counts = _run(client, writes, topic=topic, progress=progress)
        peaks = {"driver": peak_rss_mb(), **client.run(peak_rss_mb)}
    return Summary(**counts, seconds=time.perf_counter() - started, scores_path=out, rejects_path=refused,
                   peak_mb=peaks)


@contextlib.contextmanager
def _client(*, workers: int | None, scheduler: str | None) -> Iterator[Client]:
    """A client of a new LocalCluster of `workers` processes, or of the existing `scheduler`."""
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=_CONNECT_SECONDS)
        except (OSError, TimeoutError) as error:
            raise InputError(f"--scheduler {scheduler}: cannot reach the Dask scheduler ({error}); check the "
                             "address (tcp://HOST:8786) and that `dask scheduler` runs there") from None
        with client:
            yield client
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        yield client


def _partition_count(portfolio: Portfolio, *, threads: int) -> int:
    """Partitions for about `PARTITION_BYTES` of kept input each, at least one per worker thread.

    The history files hold the clients of both application tables: this run keeps about its table's
    share of them (``Portfolio.kept_share``).
    """
    history = sum(file.path.stat().st_size for file in portfolio.history.values())
    kept = portfolio.applications.path.stat().st_size + history * portfolio.kept_share
    return max(threads, math.ceil(kept / PARTITION_BYTES))


def _outcomes(portfolio: Portfolio, *, partitions: int, explain: bool, record: Recorder | None,
              topic: str) -> dd.DataFrame:
    """The graph of the run: read, shuffle on SK_ID_CURR, score each partition (see the module docstring)."""
    read = [dask.delayed(read_block)(block) for block in portfolio.blocks(portfolio.applications)]
    applications = dd.from_delayed(read, meta=no_rows(portfolio.applications.name), verify_meta=False)
    scored = dask.delayed(_ids)(*[dask.delayed(_key_column)(part) for part in read])
    others = (dask.delayed(_ids)(*[dask.delayed(read_keys)(b) for b in portfolio.blocks(portfolio.others)])
              if portfolio.others else _ids())
    sparse = portfolio.kept_share < SPARSE_SHARE
    keep = dask.delayed(Keep)(scored, others, sparse=sparse)
    history: dict[str, dd.DataFrame] = {}
    bureau: list[Delayed] = []
    for name in HISTORY_TABLES:
        file = portfolio.history.get(name)
        if file is None:
            history[name] = dd.from_pandas(no_rows(name), npartitions=1)
            continue
        rule = (dask.delayed(Keep)(scored, others, dask.delayed(_owners)(*bureau), sparse=sparse)
                if name == "bureau_balance" else keep)
        parts = _read_table(portfolio, file, rule)
        bureau = parts if name == "bureau" else bureau
        history[name] = dd.from_delayed(parts, meta=no_rows(name), verify_meta=False)
    # The task-based shuffle, not P2P (Dask's default on a cluster): scoring application_test of the
    # Kaggle-scale folder on 2 local workers took 48 s and 48 s of CPU with it, 141 s and 69 s with P2P
    # (which writes every shard to disk and back), at the same worker peak memory (1.05 GB).
    shuffled = [frame.shuffle(on="SK_ID_CURR", npartitions=partitions, shuffle_method="tasks")
                for frame in (applications, *history.values())]
    return dd.map_partitions(_score_partition_task, *shuffled, explain=explain, record=record,
                             topic=topic, meta=no_outcomes(explain=explain), align_dataframes=False,
                             enforce_metadata=False)


def _read_table(portfolio: Portfolio, file: TableFile, keep: Delayed) -> list[Delayed]:
    return [dask.delayed(read_block)(block, keep=keep) for block in portfolio.blocks(file)]


def _key_column(frame: pd.DataFrame) -> np.ndarray:
    return frame["SK_ID_CURR"].to_numpy()


def _ids(*parts: np.ndarray) -> pd.Index:
    """The SK_ID_CURR of an application table, from its blocks' key columns."""
    return pd.Index(np.concatenate(parts) if parts else np.empty(0, dtype=np.int32))


def _owners(*bureau: pd.DataFrame) -> pd.Series:
    """SK_ID_CURR of each bureau credit read, from bureau's blocks (see ``batch.reading.owners_of``)."""
    if not bureau:
        return owners_of(no_rows("bureau"))
    owners = pd.concat([owners_of(part) for part in bureau])
    return owners[~owners.index.duplicated()]


def _score_partition_task(applications: pd.DataFrame, *history: pd.DataFrame, explain: bool,
                          record: Recorder | None, topic: str) -> pd.DataFrame:
    """Score one partition with the worker's scorer; report its counts on the run's event `topic`."""
    worker = get_worker()
    scorer = worker.plugins[_PLUGIN].scorer
    tables = dict(zip(HISTORY_TABLES, history, strict=True))
    outcomes = score_partition(scorer, applications, tables, explain=explain)
    done = scores(outcomes)
    if record is not None:
        record(done, applications, tables)
    worker.log_event(topic, {"applications": len(applications), "scored": len(done),
                             "problems": len(outcomes) - len(done)})
    return outcomes


def _run(client: Client, writes: list, *, topic: str, progress: bool) -> dict[str, int]:
    """Run the writes on the cluster; return the counts the workers reported (applications, scored,
    problems).

    The bar follows the events as they arrive; the counts are read from the scheduler once the writes
    are done (a worker sends a task's events before its end, on the same stream, so none is missing).
    """
    with tqdm(unit="application", desc="scoring", disable=not progress) as bar:
        client.subscribe_topic(topic, lambda event: bar.update(event[1]["applications"]))
        try:
            client.compute(writes, sync=True)
        finally:
            client.unsubscribe_topic(topic)
    counts = dict.fromkeys(("applications", "scored", "problems"), 0)
    for _, message in client.get_events(topic):
        for name in counts:
            counts[name] += message[name]
    return counts
