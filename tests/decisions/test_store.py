"""Reading decisions back, a client's page by page newest first, and purging past retention."""

from datetime import UTC, datetime, timedelta

import pytest

from decisions.store import DecisionStore
from decisions.writer import DecisionWriter
from tests.decisions.conftest import decision

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(engine) -> DecisionStore:
    writer = DecisionWriter(engine)
    writer.record_now([decision(7, at=NOW - timedelta(days=days)) for days in (0, 1, 2, 200, 400)]
                      + [decision(8, at=NOW)])
    writer.close()
    return DecisionStore(engine)


def test_get_returns_the_record_or_none(engine):
    made = decision()
    writer = DecisionWriter(engine)
    writer.record_now([made])
    writer.close()
    store = DecisionStore(engine)
    assert store.get(made.decision_id).input_json == made.input_json
    assert store.get(decision().decision_id) is None


def test_a_client_page_is_newest_first(store):
    total, page = store.for_client(7, limit=2, offset=1)
    assert total == 5
    assert [d.decided_at for d in page] == [NOW - timedelta(days=1), NOW - timedelta(days=2)]
    assert store.for_client(9, limit=5) == (0, [])


def test_purge_deletes_only_records_past_retention(store):
    assert store.purge(older_than=timedelta(days=183), now=NOW) == 2
    assert store.for_client(7, limit=10)[0] == 3 and store.for_client(8, limit=10)[0] == 1


@pytest.mark.parametrize("older_than", [timedelta(0), timedelta(days=-1)])
def test_purge_never_deletes_todays_decisions(store, older_than):
    with pytest.raises(ValueError, match="older_than must be a positive duration"):
        store.purge(older_than=older_than)


def test_recent_decisions_of_one_model_newest_first_within_a_window(engine):
    other = decision(9, at=NOW)
    other.outcome["model_version"] = "credit_scoring:other"
    writer = DecisionWriter(engine)
    writer.record_now([decision(7, at=NOW - timedelta(days=days)) for days in (3, 1, 2)] + [other])
    writer.close()
    store = DecisionStore(engine)
    recent = store.recent(model_version="credit_scoring:abc", last=2)
    assert [d.decided_at for d in recent] == [NOW - timedelta(days=1), NOW - timedelta(days=2)]
    assert len(store.recent(model_version="credit_scoring:abc", last=10, since=NOW - timedelta(days=2))) == 2
