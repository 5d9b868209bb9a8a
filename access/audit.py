"""The audit of who read which client's data: every look-up on the page, every decision read by the API.

An entry is written before the data is shown: a read that cannot be recorded is not answered. It
names the reader (an advisor's account, or an API key's name), the client (SK_ID_CURR), what was
done and what was shown, never the data itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import BigInteger, Engine, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from decisions.database import Base, UTCDateTime

__all__ = ["Audit", "AuditEntry", "Read", "ReaderKind"]

#: Who can read: a signed-in advisor on the page, or an API client by its key's name.
ReaderKind = Literal["advisor", "api-key"]
#: Entries listed at most by one query.
_MAX_LISTED = 10_000


class AuditEntry(Base):
    """One read of a client's data, as stored."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    reader: Mapped[str] = mapped_column(String(128), index=True)
    reader_kind: Mapped[str] = mapped_column(String(16))
    sk_id_curr: Mapped[int] = mapped_column(BigInteger, index=True)
    action: Mapped[str] = mapped_column(String(32))
    shown: Mapped[str] = mapped_column(String(256))


@dataclass(frozen=True)
class Read:
    """A read about to be recorded.

    Parameters
    ----------
    reader : str
        The advisor's account name or the API key's name.
    reader_kind : {"advisor", "api-key"}
    sk_id_curr : int
        The client whose data was read.
    action : str
        What was done, e.g. ``ui:lookup`` or ``api:decision``.
    shown : str
        What was shown, in words (never the data).
    """

    reader: str
    reader_kind: ReaderKind
    sk_id_curr: int
    action: str
    shown: str


class Audit:
    """Records reads and lists them, newest first.

    Parameters
    ----------
    engine : sqlalchemy.Engine
    """

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def record(self, read: Read) -> None:
        """Record one read, committed before this returns (raises `sqlalchemy.exc.SQLAlchemyError`
        when it cannot be, so that the caller does not show the data)."""
        with self._sessions.begin() as session:
            session.add(AuditEntry(read_at=datetime.now(UTC), reader=read.reader,
                                   reader_kind=read.reader_kind, sk_id_curr=read.sk_id_curr,
                                   action=read.action, shown=read.shown[:256]))

    def entries(self, *, sk_id_curr: int | None = None, reader: str | None = None,
                limit: int = _MAX_LISTED) -> list[AuditEntry]:
        """Return the reads of one client and/or by one reader (all when neither is given), newest first."""
        query = select(AuditEntry).order_by(AuditEntry.read_at.desc(), AuditEntry.id.desc()).limit(limit)
        if sk_id_curr is not None:
            query = query.where(AuditEntry.sk_id_curr == sk_id_curr)
        if reader is not None:
            query = query.where(AuditEntry.reader == reader)
        with self._sessions() as session:
            return list(session.scalars(query))
