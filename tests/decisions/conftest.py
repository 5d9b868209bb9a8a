"""Fixtures of the decision-store tests: an empty store on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from decisions.database import create_store_engine, open_store
from decisions.records import NewDecision
from tests.postgres import fresh_database
from tests.service.conftest import history, records, tables

__all__ = ["decision", "history", "records", "tables"]


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """The URL of an empty database: a SQLite file, or a new database on the session's PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store' / 'decisions.sqlite3'}"
        return
    with fresh_database(request.getfixturevalue("postgres_url")) as url:
        yield url


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    """The store at `store_url`, its schema at the newest revision."""
    engine = open_store(store_url)
    yield engine
    engine.dispose()


@pytest.fixture
def bare_engine(store_url: str) -> Iterator[Engine]:
    """The store at `store_url`, with no schema yet."""
    engine = create_store_engine(store_url)
    yield engine
    engine.dispose()


def decision(sk_id_curr: int = 100_001, *, at: datetime | None = None, endpoint: str = "predict",
             reasons: bool = False) -> NewDecision:
    """A decision as the scoring path records it."""
    outcome = {"SK_ID_CURR": sk_id_curr, "probability": 0.123456789012345678, "decision": "refused",
               "threshold": 0.08, "score": 545, "model_version": "credit_scoring:abc"}
    if reasons:
        outcome |= {"reasons_against": ["low external score"], "reasons_for": ["long employment"]}
    return NewDecision(decision_id=uuid.uuid4(), decided_at=at or datetime.now(UTC), endpoint=endpoint,
                       origin="api", caller="partner-a", input_json=f'{{"SK_ID_CURR":{sk_id_curr}}}',
                       outcome=outcome)
