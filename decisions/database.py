"""The store's database: one SQLAlchemy URL, an embedded SQLite file by default, PostgreSQL to share.

The same database holds the decision records, the advisors' accounts and the audit of who read what.
Its schema is Alembic's (``decisions/migrations``): the service brings it to the head revision at
startup, ``python -m decisions migrate`` does it by hand.

SQLite runs in WAL mode with ``synchronous=FULL``: a transaction committed is on disk, so a decision
answered survives a crash of the process or of the machine, and readers never block the one writer.
A SQLite file shared by several processes serialises their writers: each process writes through one
`decisions.writer.DecisionWriter`, in groups. Several replicas of the service share PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

__all__ = ["Base", "StoreUnavailableError", "UTCDateTime", "create_store_engine", "downgrade", "open_store",
           "upgrade"]

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: Seconds a SQLite writer waits for the lock another process holds before giving up.
_SQLITE_BUSY_SECONDS = 30
#: WAL pages (4 kB) after which a committing SQLite connection copies the WAL into the database itself.
#: SQLite's 1,000 put that copy and its fsync into a decision commit every 120 recorded inputs; the
#: decision writer's background checkpoints (`decisions.writer`) do most of the copying instead.
_SQLITE_AUTOCHECKPOINT_PAGES = 8192


class Base(DeclarativeBase):
    """The tables of the store; constraints get names that migrations can refer to (Alembic's advice)."""

    metadata = MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    })


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime on every backend (SQLite keeps no time zone: it is stored as UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"a time stored in the decision store must carry its zone, got {value!r}")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class StoreUnavailableError(RuntimeError):
    """The decision store cannot be reached or written; no decision may be given without its record."""


def create_store_engine(url: str) -> Engine:
    """Return the engine of the store at `url`, creating a SQLite file's folder if needed.

    Parameters
    ----------
    url : str
        SQLAlchemy URL: ``sqlite:///path/to/file.sqlite3`` or ``postgresql+psycopg://user@host/db``.

    Raises
    ------
    ValueError
        If `url` is not a URL SQLAlchemy can use; the message names the setting.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValueError(f"CREDIT_SCORING_DATABASE_URL must be a SQLAlchemy URL such as "
                         f"sqlite:///data/decisions.sqlite3 or postgresql+psycopg://user@host/db, "
                         f"got {url!r}") from None
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, connect_args={"timeout": _SQLITE_BUSY_SECONDS})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def open_store(url: str) -> Engine:
    """Return the engine of the store at `url`, its schema brought to the newest revision.

    Raises
    ------
    ValueError
        If `url` is not a usable SQLAlchemy URL.
    StoreUnavailableError
        If the store cannot be reached or migrated; the message says which store (without password).
    """
    engine = create_store_engine(url)
    try:
        upgrade(engine)
    except SQLAlchemyError as error:
        cause = str(getattr(error, "orig", None) or error).splitlines()[0]
        raise StoreUnavailableError(f"the decision store {engine.url!r} cannot be opened: {cause}") from None
    return engine


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """WAL, durable commits, rarer checkpoints in commits and enforced foreign keys on every new SQLite
    connection."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA wal_autocheckpoint={_SQLITE_AUTOCHECKPOINT_PAGES}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the store's schema to `revision` (default: the newest), creating the tables on first use."""
    command.upgrade(_alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the store's schema back to `revision` (``base`` drops every table of the store)."""
    command.downgrade(_alembic_config(engine), revision)
