"""Portfolio decisions in the decision store, as traceable as the API's (``python -m batch --record``).

Each scored partition becomes one group of records (endpoint and origin ``batch``): the application
with its history rows as the API would take it (the input a replay scores again), the decision, and
who ran the portfolio. On Dask the recorder travels to the workers, which write their partitions'
records themselves: it opens the store in the process that first uses it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
import pandas as pd

from decisions.database import create_store_engine
from decisions.records import new_decisions
from decisions.writer import DecisionWriter
from features.records import tables_to_records

__all__ = ["StoreRecorder"]

#: The scores' columns that a decision record keeps (`decisions.records.NewDecision.outcome`).
_OUTCOME = ("SK_ID_CURR", "probability", "decision", "threshold", "score", "model_version", "warnings",
            "reasons_against", "reasons_for")


class StoreRecorder:
    """Records each scored partition's decisions in the store at `url`, committed before it returns.

    Parameters
    ----------
    url : str
        The decision store (``CREDIT_SCORING_DATABASE_URL``); its schema already at the newest revision.
    caller : str
        Who ran the portfolio, as the records name it.
    """

    def __init__(self, url: str, *, caller: str) -> None:
        self.url = url
        self.caller = caller
        self._writer: DecisionWriter | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"url": self.url, "caller": self.caller, "_writer": None}  # each process opens its own

    def __call__(self, scores: pd.DataFrame, applications: pd.DataFrame,
                 history: Mapping[str, pd.DataFrame]) -> None:
        """Record the decisions of `scores`, whose inputs are rows of `applications` and `history`."""
        if scores.empty:
            return
        if self._writer is None:
            self._writer = DecisionWriter(create_store_engine(self.url))
        scored = applications[applications["SK_ID_CURR"].isin(scores["SK_ID_CURR"])]
        inputs = {record["SK_ID_CURR"]: orjson.dumps(record).decode()
                  for record in tables_to_records(scored, dict(history))}
        outcomes = [{name: _plain(row[name]) for name in _OUTCOME if name in row}
                    for row in scores.to_dict("records")]
        self._writer.record_now(new_decisions([inputs[o["SK_ID_CURR"]] for o in outcomes], outcomes,
                                              endpoint="batch", origin="batch", caller=self.caller))

    def close(self) -> None:
        """Commit what is queued and stop this process's writer."""
        if self._writer is not None:
            self._writer.close()


def _plain(value: Any) -> Any:
    """A value of a scores row as JSON would hold it (numpy arrays and scalars to lists and numbers)."""
    if hasattr(value, "tolist"):
        return value.tolist()
    return value
