"""Group commit of decision records: one transaction for every record waiting, in a thread of its own.

The scoring path hands each batch of answers to `DecisionWriter.record` and answers only once it
returns: a decision is never given that is not committed. Records that arrive while a transaction is
being committed wait for the next one, which takes them all at once: under load a commit (an fsync
on SQLite) serves many requests, and the event loop never waits on the database.

The callers that `record` in one turn of the event loop (the ~16 requests a model-service call
answers) are handed to the thread together, at the end of that turn. Handed over one by one, the
thread woke at the first and committed it alone: the GIL is free while a request draws its decision
id from the OS (``uuid4``). Then 32 clients made 55 commits of 8 records a second, half the requests
waiting for two commits in a row (464 against 698 requests/s unrecorded); handed over by turn, 38 of
14.5 (559 against 671, and 536 against 653).

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
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import Engine, insert
from sqlalchemy.exc import SQLAlchemyError

from decisions.database import StoreUnavailableError
from decisions.records import Decision, NewDecision, StoredInput

__all__ = ["DecisionWriter"]

logger = logging.getLogger(__name__)

_Pending = tuple[Sequence[NewDecision], Future]
#: What `close` puts in the queue to stop the thread once the records before it are committed.
_STOP = None
#: Seconds between two background checkpoints of a SQLite store.
_CHECKPOINT_SECONDS = 1.0


@dataclass
class _Turn:
    """The records handed to `DecisionWriter.record` in one turn of an event loop, and their callers."""

    loop: asyncio.AbstractEventLoop
    records: list[NewDecision]
    #: one future per caller, so that a caller cancelled (its client gone) cancels no one else's wait
    waiting: list[asyncio.Future[None]]


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
        self._preparer = ThreadPoolExecutor(1, thread_name_prefix="decision-inputs")
        #: the records handed over in the current turn of each event loop (see `record`)
        self._turns: dict[asyncio.AbstractEventLoop, _Turn] = {}
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

    def prepare(self, inputs: Sequence[str]) -> asyncio.Future[list[StoredInput]]:
        """Start making `inputs` (JSON texts) as stored, in a thread of their own; for `new_decisions`.

        Made while the model scores them, the inputs' compression and hashing leave the commit that
        the answers wait for (~0.1 ms a record; neither holds the GIL).
        """
        return asyncio.get_running_loop().run_in_executor(self._preparer, _stored, inputs)

    async def record(self, records: Sequence[NewDecision]) -> None:
        """Commit `records` with whatever else is waiting; return once they are durable.

        The records of every call made in this turn of the event loop are submitted together, once
        the turn ends.

        Raises
        ------
        StoreUnavailableError
            If the store could not be written: none of `records` is recorded.
        """
        if not records:
            return
        loop = asyncio.get_running_loop()
        turn = self._turns.get(loop)
        if turn is None:
            turn = self._turns[loop] = _Turn(loop, [], [])
            loop.call_soon(self._hand_over, turn)
        turn.records.extend(records)
        committed = loop.create_future()
        turn.waiting.append(committed)
        await committed

    def _hand_over(self, turn: _Turn) -> None:
        """Submit the records of an ended turn of `turn.loop` as one group."""
        del self._turns[turn.loop]

        def settle(committed: Future) -> None:
            turn.loop.call_soon_threadsafe(_copy_outcome, committed, turn.waiting)

        self.submit(turn.records).add_done_callback(settle)

    def record_now(self, records: Sequence[NewDecision]) -> None:
        """Blocking form of `record`, for threads and commands."""
        if records:
            self.submit(records).result()

    def close(self) -> None:
        """Commit what is queued, then stop the thread."""
        self._preparer.shutdown()
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
        # Claimed first: a running future can no longer be cancelled, and setting a cancelled one would
        # raise here and end the thread. A cancelled caller's records are committed all the same.
        claimed = [done for _, done in group if done.set_running_or_notify_cancel()]
        rows = [record.row() for records, _ in group for record in records]
        try:
            with self._engine.begin() as connection:
                connection.execute(insert(Decision), rows)
        except SQLAlchemyError as error:
            cause = _cause(error)
            logger.error("decision store write failed, %s records not recorded: %s", len(rows), cause)
            failure = StoreUnavailableError(f"the decision store could not be written: {cause}")
            for done in claimed:
                done.set_exception(failure)
            return
        for done in claimed:
            done.set_result(None)


def _stored(inputs: Sequence[str]) -> list[StoredInput]:
    return [StoredInput.of(text) for text in inputs]


def _copy_outcome(committed: Future, waiting: Sequence[asyncio.Future[None]]) -> None:
    """Give the futures `waiting` (of an event loop) the outcome of `committed` (of the writer's thread)."""
    error = committed.exception()
    for caller in waiting:
        if caller.done():  # cancelled
            continue
        if error is None:
            caller.set_result(None)
        else:
            caller.set_exception(error)


def _cause(error: SQLAlchemyError) -> str:
    """The first line of the driver's message, not SQLAlchemy's: that one quotes the parameters,
    personal data."""
    return str(getattr(error, "orig", None) or type(error).__name__).splitlines()[0]
