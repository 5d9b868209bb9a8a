"""What travels between the API service and the model service; calls that survive the keep-alive race.

The model service answers each application with an :class:`Answer`: the answer's JSON text, which
the API service writes out as it is, rather than the answer's objects, which BentoML's client would
rebuild one by one (half the API service's CPU at 32 clients asking explanations: 826 contributions
each), and the API service encode again.

BentoML's client of a dependency service (aiohttp) keeps idle connections for 15 s, the dependency's
server (uvicorn) closes them after 5 s: a request sent on a connection the server has just closed
fails with ``ServerDisconnectedError`` although nothing is wrong (bentoml/BentoML#4971; measured
here: 14 of 155 requests under 16 concurrent clients became HTTP 500). Scoring is idempotent, so
the call is sent again, once, on a fresh connection.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp
from pydantic import BaseModel, Field

from serving.responses import Explanation, Prediction, Problem

__all__ = ["OUTCOME_FIELDS", "Answer", "call_with_retry"]

T = TypeVar("T")
logger = logging.getLogger(__name__)


#: What the decision record keeps of a scored answer (not an explanation's 800+ contributions).
OUTCOME_FIELDS = frozenset({"SK_ID_CURR", "probability", "decision", "threshold", "score", "model_version",
                            "warnings", "reasons_against", "reasons_for"})


class Answer(BaseModel):
    """One application as the model service answers it: scored, or the problems that kept it from it."""

    text: str | None = Field(default=None, description="JSON text of the Prediction or Explanation")
    outcome: dict[str, Any] | None = Field(
        default=None, description="The decision's own fields (`OUTCOME_FIELDS`), for its record")
    problems: list[Problem] = Field(default_factory=list)

    @classmethod
    def of(cls, scored: Prediction | Explanation | None, problems: list[Problem]) -> Answer:
        """Return the answer of an application the scorer scored (`scored`) or not (`problems`)."""
        if scored is None:
            return cls(problems=problems)
        return cls(text=scored.model_dump_json(), outcome=scored.model_dump(include=OUTCOME_FIELDS))

    @property
    def decision(self) -> str | None:
        """str or None: approved or refused, when scored."""
        return None if self.outcome is None else self.outcome["decision"]


async def call_with_retry(call: Callable[..., Awaitable[T]], *args: object) -> T:
    """Return ``await call(*args)``, sending it once more if the connection dropped before the answer.

    Raises
    ------
    aiohttp.ClientConnectionError
        If the second attempt fails too (the model service is really unreachable).
    """
    try:
        return await call(*args)
    except aiohttp.ClientConnectionError as error:
        logger.warning("connection to the model service dropped (%s); sending the call again", error)
        return await call(*args)
