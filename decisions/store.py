"""Reading decision records back, and deleting those past their retention."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import sessionmaker

from decisions.records import Decision

__all__ = ["DecisionStore"]


class DecisionStore:
    """Reads and purges the decision records of one store; never writes a decision (see `DecisionWriter`).

    Parameters
    ----------
    engine : sqlalchemy.Engine
        The store, its schema at the head revision.
    """

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def get(self, decision_id: uuid.UUID) -> Decision | None:
        """Return the decision `decision_id`, or None if there is none."""
        with self._sessions() as session:
            return session.get(Decision, decision_id)

    def for_client(self, sk_id_curr: int, *, limit: int, offset: int = 0) -> tuple[int, list[Decision]]:
        """Return how many decisions client `sk_id_curr` has, and a page of them, newest first.

        Parameters
        ----------
        sk_id_curr : int
        limit : int
            Decisions per page, >= 1.
        offset : int, default=0
            Decisions skipped, newest first.
        """
        if limit < 1 or offset < 0:
            raise ValueError(f"limit must be >= 1 and offset >= 0, got limit={limit}, offset={offset}")
        with self._sessions() as session:
            total = session.scalar(select(func.count()).select_from(Decision)
                                   .where(Decision.sk_id_curr == sk_id_curr))
            page = session.scalars(select(Decision).where(Decision.sk_id_curr == sk_id_curr)
                                   .order_by(Decision.decided_at.desc(), Decision.decision_id)
                                   .limit(limit).offset(offset)).all()
        return total, list(page)

    def recent(self, *, model_version: str, last: int, since: datetime | None = None) -> list[Decision]:
        """Return the `last` newest decisions of `model_version` (made at or after `since`, if given),
        newest first."""
        query = (select(Decision).where(Decision.model_version == model_version)
                 .order_by(Decision.decided_at.desc()).limit(last))
        if since is not None:
            query = query.where(Decision.decided_at >= since)
        with self._sessions() as session:
            return list(session.scalars(query))

    def purge(self, *, older_than: timedelta, now: datetime | None = None) -> int:
        """Delete the decisions made more than `older_than` before `now` (default: now); return how many.

        Raises
        ------
        ValueError
            If `older_than` is not positive (a purge never deletes today's decisions).
        """
        if older_than <= timedelta(0):
            raise ValueError(f"older_than must be a positive duration, got {older_than}")
        cutoff = (now or datetime.now(UTC)) - older_than
        with self._sessions.begin() as session:
            return session.execute(delete(Decision).where(Decision.decided_at < cutoff)).rowcount

