"""What ``GET /decisions`` answers: a decision with its reasons, or a client's decisions page by page."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from decisions.records import Decision

__all__ = ["DecisionPage", "DecisionSummary", "DecisionView"]

_CONFIG = ConfigDict(extra="forbid")


class DecisionSummary(BaseModel):
    """One recorded decision, without its input."""

    model_config = _CONFIG
    decision_id: uuid.UUID
    decided_at: datetime = Field(description="When it was decided (UTC)")
    endpoint: str = Field(description="predict, explain, counteroffer or batch")
    origin: str = Field(description="api, ui:lookup, ui:new-application, ui:what-if or batch")
    caller: str = Field(description="Who asked: the API key's name or the advisor's user name")
    SK_ID_CURR: int
    model_version: str = Field(description="The model that decided (BentoML model tag)")
    threshold: float
    probability: float = Field(description="Calibrated probability of default")
    score: int = Field(description="Credit score in points")
    decision: Literal["approved", "refused"]
    warnings: list[dict[str, str]] = Field(
        default_factory=list, description="Values outside the training data's range it was scored with")

    @classmethod
    def of(cls, record: Decision) -> DecisionSummary:
        """Return the summary of a stored record."""
        return cls(**cls._fields_of(record))

    @staticmethod
    def _fields_of(record: Decision) -> dict[str, Any]:
        return {"decision_id": record.decision_id, "decided_at": record.decided_at,
                "endpoint": record.endpoint, "origin": record.origin, "caller": record.caller,
                "SK_ID_CURR": record.sk_id_curr,
                "model_version": record.model_version, "threshold": record.threshold,
                "probability": record.probability, "score": record.score, "decision": record.decision,
                "warnings": record.warnings or []}


class DecisionView(DecisionSummary):
    """One recorded decision in full: its input as scored, and the reasons in plain language."""

    input_sha256: str = Field(description="SHA-256 of the input's JSON text, as recorded")
    input: dict[str, Any] = Field(description="The application exactly as scored, with its history")
    reasons_against: list[str] = Field(description="Up to four reasons that raised the risk")
    reasons_for: list[str] = Field(description="Up to four reasons that lowered the risk")
    reasons_source: Literal["recorded", "recomputed"] = Field(
        description="recorded: given with the decision (/explain, the page); recomputed: from the stored "
                    "input by the recorded model version (/predict answers carry no reasons)")

    @classmethod
    def with_reasons(cls, record: Decision, *, against: list[str], favour: list[str],
                     source: Literal["recorded", "recomputed"]) -> DecisionView:
        """Return the full view of a stored record with its reasons."""
        return cls(**cls._fields_of(record), input_sha256=record.input_sha256,
                   input=json.loads(record.input_json), reasons_against=against, reasons_for=favour,
                   reasons_source=source)


class DecisionPage(BaseModel):
    """A page of one client's decisions, newest first."""

    model_config = _CONFIG
    SK_ID_CURR: int
    total: int = Field(description="The client's decisions in the store")
    limit: int
    offset: int
    decisions: list[DecisionSummary]
