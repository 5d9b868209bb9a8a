"""What the advisor page keeps on record: the client's decisions, and every read of a client's data."""

from __future__ import annotations

from collections.abc import Sequence

from access.audit import Audit, AuditEntry, Read
from decisions.lookup import DEFAULT_PAGE, DecisionLookup
from decisions.views import DecisionSummary

__all__ = ["StoreLedger"]


class StoreLedger:
    """The page's records in the store: decisions read back, reads audited (see `ui.handlers.Ledger`).

    Parameters
    ----------
    decisions : DecisionLookup
    audit : Audit
    """

    def __init__(self, decisions: DecisionLookup, audit: Audit) -> None:
        self._decisions = decisions
        self._audit = audit

    def decisions(self, sk_id_curr: int) -> Sequence[DecisionSummary]:
        """Return the client's latest decisions, newest first."""
        return self._decisions.page(sk_id_curr, limit=DEFAULT_PAGE, offset=0).decisions

    def record_read(self, read: Read) -> None:
        """Record a read of a client's data before it is shown."""
        self._audit.record(read)

    def reads(self, *, sk_id_curr: int | None = None, reader: str | None = None) -> Sequence[AuditEntry]:
        """Return the reads of one client and/or by one reader, newest first."""
        return self._audit.entries(sk_id_curr=sk_id_curr, reader=reader, limit=DEFAULT_PAGE * 10)
