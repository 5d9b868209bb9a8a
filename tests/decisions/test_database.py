"""The store's schema: Alembic from an empty database to head and back, on SQLite and PostgreSQL."""

import json
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.orm import Session

import access.audit
import access.sessions  # noqa: F401  (the store's tables: its models import the accounts' too)
from decisions.database import (
    Base,
    StoreUnavailableError,
    create_store_engine,
    downgrade,
    open_store,
    upgrade,
)
from decisions.records import Decision, input_digest


def test_migrations_go_from_empty_to_head_and_back(bare_engine):
    assert sa.inspect(bare_engine).get_table_names() == []
    upgrade(bare_engine)
    assert {"decisions", "accounts", "advisor_sessions", "sign_in_failures", "audit_log"} <= set(
        sa.inspect(bare_engine).get_table_names())
    downgrade(bare_engine, "0001")
    assert "accounts" not in sa.inspect(bare_engine).get_table_names()
    downgrade(bare_engine, "base")
    assert set(sa.inspect(bare_engine).get_table_names()) <= {"alembic_version"}
    upgrade(bare_engine)
    assert "decisions" in sa.inspect(bare_engine).get_table_names()


def test_inputs_stored_as_text_are_compressed_by_the_upgrade_and_restored_by_the_downgrade(bare_engine):
    upgrade(bare_engine, "0003")
    # more records than the migration converts in one round
    texts = {uuid.uuid4(): json.dumps({"SK_ID_CURR": 100_000 + i, "bureau": [{"AMT": i}] * (i % 50)})
             for i in range(1_200)}
    plain = {"endpoint": "predict", "origin": "api", "caller": "k", "sk_id_curr": 1, "model_version": "m:1",
             "threshold": 0.5, "probability": 0.1, "score": 700, "decision": "approved"}
    at_0003 = sa.table("decisions", sa.column("decision_id", sa.Uuid()),
                       sa.column("decided_at", sa.DateTime(timezone=True)),
                       *map(sa.column, [*plain, "input_json", "input_sha256"]))
    with bare_engine.begin() as connection:
        connection.execute(sa.insert(at_0003), [
            {"decision_id": decision_id, "decided_at": datetime.now(UTC), **plain, "input_json": text,
             "input_sha256": input_digest(text)} for decision_id, text in texts.items()])
    upgrade(bare_engine)
    with Session(bare_engine) as session:
        assert {d.decision_id: d.input_json for d in session.scalars(sa.select(Decision))} == texts
    downgrade(bare_engine, "0003")
    with bare_engine.connect() as connection:
        restored = connection.execute(sa.select(at_0003.c.decision_id, at_0003.c.input_json)).all()
    assert dict(restored) == texts


def test_the_models_and_the_head_revision_agree(engine):
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_opening_twice_migrates_once(store_url):
    open_store(store_url).dispose()
    engine = open_store(store_url)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar() == 1


def test_sqlite_runs_in_wal_mode_with_durable_commits(tmp_path):
    engine = create_store_engine(f"sqlite:///{tmp_path / 'a' / 'b' / 'store.sqlite3'}")
    with engine.connect() as connection:
        assert connection.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(sa.text("PRAGMA synchronous")).scalar() == 2  # FULL


def test_a_url_that_is_not_one_names_the_setting():
    with pytest.raises(ValueError, match="CREDIT_SCORING_DATABASE_URL must be a SQLAlchemy URL"):
        create_store_engine("not a url")


def test_an_unreachable_server_is_store_unavailable_without_password():
    with pytest.raises(StoreUnavailableError, match="cannot be opened") as caught:
        open_store("postgresql+psycopg://user:hunter2@127.0.0.1:1/db")
    assert "hunter2" not in str(caught.value)
