"""Decisions as ``GET /decisions`` shows them: one with its reasons, or a client's page by page."""

from __future__ import annotations

import uuid

from decisions.replay import Rescorer
from decisions.store import DecisionStore
from decisions.views import DecisionPage, DecisionSummary, DecisionView

__all__ = ["DEFAULT_PAGE", "MAX_PAGE", "DecisionLookup"]

#: Decisions per page of a client's list: by default, and at most.
DEFAULT_PAGE = 20
MAX_PAGE = 100


class DecisionLookup:
    """Reads decisions back for people: the reasons of a ``/predict`` decision are recomputed.

    Parameters
    ----------
    store : DecisionStore
    rescorer : Rescorer
        Explains a recorded input with the model version that decided it.
    """

    def __init__(self, store: DecisionStore, rescorer: Rescorer) -> None:
        self.store = store
        self.rescorer = rescorer

    def view(self, decision_id: uuid.UUID) -> DecisionView | None:
        """Return decision `decision_id` with its reasons in plain language, or None if there is none.

        Raises
        ------
        decisions.replay.ModelVersionMissingError
            If its reasons must be recomputed and its model version is no longer in the model store.
        """
        record = self.store.get(decision_id)
        if record is None:
            return None
        if record.reasons_against is not None and record.reasons_for is not None:
            return DecisionView.with_reasons(record, against=record.reasons_against,
                                             favour=record.reasons_for, source="recorded")
        again = self.rescorer.explain(record)
        return DecisionView.with_reasons(record, against=again.reasons_against, favour=again.reasons_for,
                                         source="recomputed")

    def page(self, sk_id_curr: int, *, limit: int, offset: int) -> DecisionPage:
        """Return a page of client `sk_id_curr`'s decisions, newest first."""
        total, records = self.store.for_client(sk_id_curr, limit=limit, offset=offset)
        return DecisionPage(SK_ID_CURR=sk_id_curr, total=total, limit=limit, offset=offset,
                            decisions=[DecisionSummary.of(record) for record in records])
