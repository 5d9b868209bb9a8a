"""What ``GET /monitoring/drift`` answers (`monitoring.drift.Drift.answer` fills it)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

__all__ = ["DriftAnswer"]

Status = Literal["stable", "watch", "drifted"]


class ShiftAnswer(BaseModel):
    """PSI of the probability or of one profiled feature."""

    psi: float = Field(description="Population stability index against training")
    status: Status = Field(description="stable (< 0.1), watch (0.1-0.25) or drifted (> 0.25)")


class FeatureShift(ShiftAnswer):
    """PSI of one profiled feature, named as the model names it (raw fields keep their Kaggle names)."""

    feature: str


class ApprovalRates(BaseModel):
    """The share of applications approved."""

    now: float | None = Field(description="Among the decisions counted (null: none)")
    training: float = Field(description="Out-of-fold, in training, at the same threshold")


class DriftAnswer(BaseModel):
    """The drift of recent decisions against the training reference."""

    decisions: int = Field(description="Decisions of the model in service counted")
    model_version: str
    minimum: int = Field(description="Decisions needed for a verdict")
    approval_rate: ApprovalRates
    score: ShiftAnswer | None = Field(description="PSI of the probability (null below the minimum)")
    features: list[FeatureShift] = Field(description="Every profiled feature, largest PSI first")
    note: str | None = Field(default=None, description="Why there is no verdict, when there is none")
