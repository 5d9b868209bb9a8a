"""Group commit: records are durable once `record` returns, many callers share one transaction."""

import asyncio
import secrets
import threading
import time
from dataclasses import replace

import pytest
from sqlalchemy import Insert, event, func, select

from decisions.database import StoreUnavailableError, open_store
from decisions.records import Decision, NewDecision, StoredInput, input_digest, new_decisions
from decisions.store import DecisionStore
from decisions.writer import DecisionWriter
from tests.decisions.conftest import decision


def _count(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(Decision)).scalar()


def test_recorded_decisions_are_committed_with_every_field(engine):
    writer = DecisionWriter(engine)
    made = decision(reasons=True)
    writer.record_now([made])
    writer.close()
    row = DecisionStore(engine).get(made.decision_id)
    assert row.probability == made.outcome["probability"]  # a double, to the last bit
    assert (row.caller, row.origin, row.endpoint, row.sk_id_curr) == ("partner-a", "api", "predict", 100_001)
    assert row.decided_at == made.decided_at and row.reasons_against == ["low external score"]
    assert len(row.input_sha256) == 64 and row.input_json == made.input_json


def test_concurrent_callers_share_transactions(engine):
    commits = []
    event.listen(engine, "commit", lambda connection: commits.append(1))
    writer = DecisionWriter(engine)
    release, held = threading.Event(), threading.Event()

    def hold_the_first_insert(_connection, statement, *_args) -> None:
        # Hold the writer in its first commit so that every other caller queues behind it (inserts
        # only: on SQLite the writer's checkpoints run statements of their own).
        if isinstance(statement, Insert) and not held.is_set():
            held.set()
            release.wait(5)

    event.listen(engine, "before_execute", hold_the_first_insert)

    async def callers() -> None:
        tasks = [asyncio.create_task(writer.record([decision(sk)])) for sk in range(200)]
        await asyncio.sleep(0.2)
        release.set()
        await asyncio.gather(*tasks)

    asyncio.run(callers())
    writer.close()
    assert _count(engine) == 200
    assert held.is_set() and len(commits) <= 3  # the first caller's transaction, then the 199 others


def test_the_callers_of_one_turn_of_the_event_loop_share_one_transaction(engine):
    commits = []
    event.listen(engine, "commit", lambda connection: commits.append(1))
    writer = DecisionWriter(engine)

    async def one_turn() -> None:
        await asyncio.gather(*(writer.record([decision(sk)]) for sk in range(16)))

    asyncio.run(one_turn())
    writer.close()
    assert _count(engine) == 16 and len(commits) == 1


def test_a_caller_cancelled_while_it_waits_fails_no_one(engine):
    writer = DecisionWriter(engine)
    release = threading.Event()

    def hold_the_insert(_connection, statement, *_args) -> None:
        if isinstance(statement, Insert):
            release.wait(5)

    event.listen(engine, "before_execute", hold_the_insert)

    async def callers() -> list:
        tasks = [asyncio.create_task(writer.record([decision(sk)])) for sk in range(4)]
        await asyncio.sleep(0.2)  # handed over, and held in their commit
        tasks[0].cancel()  # as when a client goes away
        release.set()
        return await asyncio.gather(*tasks, return_exceptions=True)

    outcomes = asyncio.run(callers())
    assert isinstance(outcomes[0], asyncio.CancelledError) and outcomes[1:] == [None] * 3
    writer.record_now([decision(4)])  # the writer goes on
    writer.close()
    assert _count(engine) == 5  # the cancelled caller's decision was committed all the same


def test_inputs_made_ahead_while_the_model_scores_are_stored_as_made_in_the_commit(engine):
    writer = DecisionWriter(engine)
    texts = ['{"SK_ID_CURR":100001,"bureau":[]}', '{"SK_ID_CURR":100002,"bureau":[{"AMT":1.5}]}']
    outcome = decision().outcome

    async def scored() -> list[NewDecision]:
        stored = writer.prepare(texts)  # started before the model is called, awaited once it answered
        outcomes = [outcome | {"SK_ID_CURR": 100_001 + i} for i in range(2)]
        return new_decisions(texts, outcomes, endpoint="predict", origin="api", caller="partner-a",
                             stored_inputs=await stored)

    made = asyncio.run(scored())
    assert [record.stored_input for record in made] == [StoredInput.of(text) for text in texts]
    writer.record_now(made)
    writer.close()
    for record, text in zip(made, texts, strict=True):
        read = DecisionStore(engine).get(record.decision_id)
        assert read.input_json == text and read.input_sha256 == input_digest(text)


def test_an_unwritable_store_fails_every_waiting_caller(engine):
    writer = DecisionWriter(engine)
    made = decision()
    writer.record_now([made])
    with pytest.raises(StoreUnavailableError, match="could not be written"):
        writer.record_now([made])  # the same decision id again: the insert fails
    writer.record_now([decision()])  # the writer goes on after a failed group
    writer.close()
    assert _count(engine) == 2


def test_close_commits_what_is_queued_then_refuses(engine):
    writer = DecisionWriter(engine)
    pending = [writer.submit([decision(sk)]) for sk in range(20)]
    writer.close()
    assert all(done.result(timeout=0) is None for done in pending) and _count(engine) == 20
    with pytest.raises(StoreUnavailableError, match="stopped"):
        writer.submit([decision()]).result(timeout=1)


def test_nothing_to_record_touches_nothing(engine):
    writer = DecisionWriter(engine)
    asyncio.run(writer.record([]))
    writer.close()
    assert _count(engine) == 0


def test_a_sqlite_store_is_copied_from_its_log_in_the_background_not_in_the_commits(tmp_path):
    store = tmp_path / "decisions.sqlite3"
    engine = open_store(f"sqlite:///{store}")
    with engine.connect() as connection:
        # A commit copies the log into the database only past 32 MB (SQLite's own default is 4 MB).
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 8192
    writer = DecisionWriter(engine)
    # ~6 MB stored: random digits, which the store's compression cannot shrink below their entropy
    writer.record_now([replace(decision(100_000 + i), input_json=f'{{"noise":"{secrets.token_hex(20_000)}"}}')
                       for i in range(300)])
    deadline = time.monotonic() + 10
    while store.stat().st_size < 5_000_000 and time.monotonic() < deadline:
        time.sleep(0.1)
    writer.close()
    engine.dispose()
    assert store.stat().st_size >= 5_000_000, "the records stayed in the log: no background checkpoint"
