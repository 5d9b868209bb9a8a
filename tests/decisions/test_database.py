"""The store's schema: Alembic from an empty database to head and back, on SQLite and PostgreSQL."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

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
