"""Group commit of decision records: one transaction for every record waiting, in a thread of its own.

The scoring path hands each batch of answers to `DecisionWriter.record` and answers only once it
returns: a decision is never given that is not committed. Records that arrive while a transaction is
being committed wait for the next one, which takes them all at once: under load a commit (an fsync
on SQLite) serves many requests, and the event loop never waits on the database.

On SQLite a second thread copies the write-ahead log into the database file every second (a passive
checkpoint, which never blocks the commits). Left to the commits, that copy and its fsync stalled one
commit in every few under load (recording cost 25% of /predict's throughput at 32 users; 16% with no
checkpoint at all, 21% with this one: the README's figures).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future

from sqlalchemy import Engine, insert
from sqlalchemy.exc import SQLAlchemyError

from decisions.database import StoreUnavailableError
from decisions.records import Decision, NewDecision

__all__ = ["DecisionWriter"]

logger = logging.getLogger(__name__)

_Pending = tuple[Sequence[NewDecision], Future]
#: What `close` puts in the queue to stop the thread once the records before it are committed.
_STOP = None
#: Seconds between two background checkpoints of a SQLite store.
_CHECKPOINT_SECONDS = 1.0


class DecisionWriter:
    """Commits decision records in groups, in a background thread.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        The store (see `decisions.database.create_store_engine`); its schema at the head revision.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="decision-writer", daemon=True)
        self._thread.start()
        self._stopping = threading.Event()
        self._checkpointer = None
        if engine.dialect.name == "sqlite":
            self._checkpointer = threading.Thread(target=self._checkpoint, name="decision-checkpointer",
                                                  daemon=True)
            self._checkpointer.start()

    def submit(self, records: Sequence[NewDecision]) -> Future:
        """Queue `records`; the future is done once they are committed, or fails with
        `StoreUnavailableError` if their transaction could not be."""
        done: Future = Future()
        if not self._thread.is_alive():
            done.set_exception(StoreUnavailableError("the decision writer has stopped"))
        else:
            self._queue.put((records, done))
        return done

    async def record(self, records: Sequence[NewDecision]) -> None:
        """Commit `records` with whatever else is waiting; return once they are durable.

        Raises
        ------
        StoreUnavailableError
            If the store could not be written: none of `records` is recorded.
        """
        if records:
            await asyncio.wrap_future(self.submit(records))

    def record_now(self, records: Sequence[NewDecision]) -> None:
        """Blocking form of `record`, for threads and commands."""
        if records:
            self.submit(records).result()

    def close(self) -> None:
        """Commit what is queued, then stop the thread."""
        self._queue.put(_STOP)
        self._thread.join()
        self._stopping.set()
        if self._checkpointer is not None:
            self._checkpointer.join()

    def _run(self) -> None:
        while True:
            group, stopping = self._take_group()
            if group:
                self._commit(group)
            if stopping:
                return

    def _checkpoint(self) -> None:
        """Copy the SQLite write-ahead log into the database file every `_CHECKPOINT_SECONDS`."""
        while not self._stopping.wait(_CHECKPOINT_SECONDS):
            try:
                with self._engine.connect() as connection:
                    connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            except SQLAlchemyError as error:  # the next commit checkpoints anyway past the limit
                logger.warning("background checkpoint of the decision store failed: %s", _cause(error))

    def _take_group(self) -> tuple[list[_Pending], bool]:
        """Wait for one pending batch, then take every other one already waiting."""
        first = self._queue.get()
        if first is _STOP:
            return [], True
        group = [first]
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return group, False
            if item is _STOP:
                return group, True
            group.append(item)

    def _commit(self, group: list[_Pending]) -> None:
        rows = [record.row() for records, _ in group for record in records]
        try:
            with self._engine.begin() as connection:
                connection.execute(insert(Decision), rows)
        except SQLAlchemyError as error:
            cause = _cause(error)
            logger.error("decision store write failed, %s records not recorded: %s", len(rows), cause)
            failure = StoreUnavailableError(f"the decision store could not be written: {cause}")
            for _, done in group:
                done.set_exception(failure)
            return
        for _, done in group:
            done.set_result(None)


def _cause(error: SQLAlchemyError) -> str:
    """The first line of the driver's message, not SQLAlchemy's: that one quotes the parameters,
    personal data."""
    return str(getattr(error, "orig", None) or type(error).__name__).splitlines()[0]
